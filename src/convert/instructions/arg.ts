/** ARG: build arguments are substituted while parsing; the report says so, and names those that look secret. */
import type { Instruction } from '../../dockerfile/model.js';
import { recordSecrets, type SecretFinding } from '../secrets.js';
import type { Outcome } from '../stage.js';

export function describeArg(instruction: Instruction, secrets: SecretFinding[]): Outcome {
  if (instruction.keyword !== 'ARG') throw new Error('describeArg needs an ARG');
  const found = recordSecrets(
    secrets,
    instruction.line,
    'ARG',
    instruction.args.filter((a) => a.value !== null).map((a) => [a.name, a.value!]),
  );
  if (found.length) {
    return {
      status: 'approximated',
      rule: 'arg.secret',
      message: `build argument ${instruction.args.map((a) => a.name).join(', ')}: ${found.map((s) => `${s.name} looks like a secret (${s.reason})`).join('; ')}; it was substituted while converting, so check the generated files do not carry it into /nix/store`,
    };
  }
  const parts = instruction.args.map((arg) => (arg.value === null ? `${arg.name} (no default; pass --build-arg ${arg.name}=…)` : `${arg.name}=${arg.value}`));
  return { status: 'mapped', rule: 'arg', message: `build argument ${parts.join(', ')}: substituted while converting` };
}
