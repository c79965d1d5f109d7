/**
 * dockerfile-ast tokenises an instruction's arguments afresh on every call of its private getRawArguments, and
 * calls it itself three times while constructing each RUN, CMD or ENTRYPOINT (JSONInstruction), then again for
 * every getFlags, getArguments, getArgumentsRange or getRawArgumentsContent. On the corpus that was a tenth of a
 * whole conversion. An instruction's text never changes once parsed, so the tokens are kept per instruction.
 *
 * Each call gets an array of its own, as before: dockerfile-ast's own callers shift flags off it
 * (ModifiableInstruction.getArguments). FROM's tokens are copied too, each with a range of its own, since
 * From.getImageNameRange and getRegistryRange move the start and end of the first token's range; no other
 * instruction changes its tokens (their positions are replaced, never changed), so theirs are shared: copying every
 * token on every call made a sixth of a conversion's garbage.
 * src/dockerfile/parse.ts parses through parseRemembering; nothing is changed when a module is imported, and
 * nothing outlives the call.
 * test/dockerfile-ast-arguments.test.ts holds every corpus and fixture instruction's reading equal with and
 * without this.
 */
import { DockerfileParser, From, Instruction, type Dockerfile } from 'dockerfile-ast';

type ArgumentList = ReturnType<Instruction['getArguments']>;
type Token = ArgumentList[number];
/** An Argument's fields (private in its type declarations). */
interface TokenFields {
  value: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

interface WithRawArguments {
  getRawArguments(): ArgumentList;
}

/**
 * A token as a new object with a range of its own: FROM's getImageNameRange and getRegistryRange set the start and
 * end of the first token's range (to new positions: positions themselves are not changed).
 */
function copyArgument(argument: Token): Token {
  const { value, range } = argument as unknown as TokenFields;
  const copy: TokenFields = Object.create(Object.getPrototypeOf(argument) as object) as TokenFields;
  copy.value = value;
  copy.range = { start: range.start, end: range.end };
  return copy as unknown as Token;
}

/** getRawArguments remembering its answers in `memory`, calling `tokenise` once per instruction. */
function remembering(tokenise: () => ArgumentList, memory: WeakMap<object, ArgumentList>) {
  return function rememberedRawArguments(this: object): ArgumentList {
    let list = memory.get(this);
    if (!list) {
      list = tokenise.call(this);
      memory.set(this, list);
    }
    return this instanceof From ? list.map(copyArgument) : list.slice();
  };
}

/**
 * `DockerfileParser.parse(text)`, with each instruction tokenising its arguments once. While the library parses
 * (synchronously: no other code runs meanwhile), Instruction.prototype.getRawArguments is the remembering one, so
 * the calls the library makes while constructing instructions are saved too; it is put back before this returns or
 * throws, and each instruction keeps an own remembering getRawArguments. Instructions anyone else parses, before,
 * after or in another module, see the library unchanged.
 */
export function parseRemembering(text: string): Dockerfile {
  const prototype = Instruction.prototype as unknown as WithRawArguments;
  const tokenise = prototype.getRawArguments;
  if (typeof tokenise !== 'function') return DockerfileParser.parse(text); // a dockerfile-ast without it: slower, still correct
  const remembered = remembering(tokenise, new WeakMap());
  let ast: Dockerfile;
  prototype.getRawArguments = remembered;
  try {
    ast = DockerfileParser.parse(text);
  } finally {
    prototype.getRawArguments = tokenise;
  }
  for (const instruction of ast.getInstructions()) {
    Object.defineProperty(instruction, 'getRawArguments', { value: remembered, configurable: true, writable: true });
  }
  return ast;
}
