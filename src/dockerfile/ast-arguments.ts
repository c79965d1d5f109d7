/**
 * dockerfile-ast tokenises an instruction's arguments afresh on every call of its private getRawArguments, and
 * calls it itself three times while constructing each RUN, CMD or ENTRYPOINT (JSONInstruction), then again for
 * every getFlags, getArguments, getArgumentsRange or getRawArgumentsContent. On the corpus that was a tenth of a
 * whole conversion. An instruction's text never changes once parsed, so the tokens are kept per instruction.
 *
 * The arguments are returned as fresh copies each call, as before: dockerfile-ast's own callers shift flags off the
 * array (ModifiableInstruction.getArguments) and move the ranges of its tokens (From.getImageNameRange). Copying
 * a token costs far less than finding it again (each of its positions is computed from the document's offsets).
 * test/dockerfile-ast-arguments.test.ts holds every corpus and fixture instruction's reading equal with and
 * without this.
 */
import { Instruction } from 'dockerfile-ast';

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
 * A token as a new object with a range of its own: dockerfile-ast changes the ranges of the tokens it is given
 * (FROM's getImageNameRange and getRegistryRange move the first token's start and end).
 */
function copyArgument(argument: Token): Token {
  const { value, range } = argument as unknown as TokenFields;
  const copy: TokenFields = Object.create(Object.getPrototypeOf(argument) as object) as TokenFields;
  copy.value = value;
  copy.range = { start: { ...range.start }, end: { ...range.end } };
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
    return list.map(copyArgument);
  };
  prototype[remembered] = true;
  return true;
}
