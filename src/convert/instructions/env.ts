/** ENV: the image's environment; secret-looking values are manual, https addresses and TZ add what they need. */
import { recordSecrets } from '../secrets.js';
import type { Outcome, StageState } from '../stage.js';
import { needsCertificates, type DecideScope, type InstructionOf } from './scope.js';

export function decideEnv(env: InstructionOf<'ENV'>, state: StageState, scope: DecideScope): Outcome {
  for (const [name, value] of env.pairs) state.env.set(name, value);
  const secrets = recordSecrets(scope.secrets, env.line, 'ENV', env.pairs);
  if (secrets.length) {
    return {
      status: 'manual' as const,
      rule: 'env.secret',
      message: `environment: ${env.pairs.map(([n]) => n).join(', ')}; ${secrets.map((s) => `${s.name} looks like a secret (${s.reason})`).join('; ')}: in a Nix image it is world-readable in /nix/store and the image config, so pass it when the container starts (docker run -e ${secrets[0]!.name}) or mount it as a file`,
    };
  }
  if (env.pairs.some(([, value]) => value.startsWith('https://'))) needsCertificates(state, `line ${env.line}: an https:// address in ENV`);
  if (env.pairs.some(([name]) => name === 'TZ')) {
    state.needs.tzdata = true;
    state.needReasons.push(`line ${env.line}: TZ is set`);
  }
  return { status: 'mapped' as const, rule: 'env', message: `environment: ${env.pairs.map(([n]) => n).join(', ')}` };
}
