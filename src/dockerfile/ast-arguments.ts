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
 * test/dockerfile-ast-arguments.test.ts holds every corpus and fixture instruction's reading equal with and
 * without this.
 */
import { From, Instruction } from 'dockerfile-ast';

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

const tokens = new WeakMap<object, ArgumentList>();
const prototype = Instruction.prototype as unknown as WithRawArguments & { [remembered]?: true };
const remembered = Symbol.for('dock2nix: dockerfile-ast arguments remembered');

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

/** Turn the memory on (once per process, whoever asks). Returns false if dockerfile-ast no longer has the method. */
export function rememberInstructionArguments(): boolean {
  if (prototype[remembered]) return true;
  const tokenise = prototype.getRawArguments;
  if (typeof tokenise !== 'function') return false; // a dockerfile-ast without it: slower, still correct
  prototype.getRawArguments = function rememberedRawArguments(this: object): ArgumentList {
    let list = tokens.get(this);
    if (!list) {
      list = tokenise.call(this);
      tokens.set(this, list);
    }
    return this instanceof From ? list.map(copyArgument) : list.slice();
  };
  prototype[remembered] = true;
  return true;
}
