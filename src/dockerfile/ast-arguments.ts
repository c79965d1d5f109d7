/**
 * dockerfile-ast tokenises an instruction's arguments afresh on every call of its private getRawArguments, and
 * calls it itself three times while constructing each RUN, CMD or ENTRYPOINT (JSONInstruction), then again for
 * every getFlags, getArguments, getArgumentsRange or getRawArgumentsContent. On the corpus that was a tenth of a
 * whole conversion. An instruction's text never changes once parsed, so the tokens are kept per instruction.
 *
 * The arguments are returned as a fresh array each call, as before: dockerfile-ast's own callers shift flags off
 * it (ModifiableInstruction.getArguments). The Argument objects inside are never changed by anyone.
 * test/dockerfile-ast-arguments.test.ts holds every corpus and fixture instruction's reading equal with and
 * without this.
 */
import { Instruction } from 'dockerfile-ast';

type ArgumentList = ReturnType<Instruction['getArguments']>;

interface WithRawArguments {
  getRawArguments(): ArgumentList;
}

const tokens = new WeakMap<object, ArgumentList>();
const prototype = Instruction.prototype as unknown as WithRawArguments & { [remembered]?: true };
const remembered = Symbol.for('dock2nix: dockerfile-ast arguments remembered');

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
    return list.slice();
  };
  prototype[remembered] = true;
  return true;
}
