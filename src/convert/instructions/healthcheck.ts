/** HEALTHCHECK: kept in the image config where the format has one, with the tools the check calls. */
import type { CommandForm, Instruction } from '../../dockerfile/model.js';
import type { Outcome, StageState } from '../stage.js';
import type { OutputFormat } from '../types.js';
import { healthcheckDropped } from '../../nix/formats/index.js';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
function nanoseconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = DURATION.exec(value);
  if (!m) return undefined;
  const factor = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * factor);
}

export function decideHealthcheck(health: Extract<Instruction, { keyword: 'HEALTHCHECK' }>, state: StageState, format: OutputFormat): Outcome {
  if (!health.test) {
    state.config.Healthcheck = { Test: ['NONE'] };
    return { status: 'mapped', rule: 'healthcheck.none', message: 'HEALTHCHECK NONE: no health check' };
  }
  const test = health.test.form === 'exec' ? ['CMD', ...health.test.argv] : ['CMD-SHELL', health.test.command];
  if (health.test.form === 'shell' && !state.hasShell) {
    state.needs.binSh = true;
    state.needReasons.push('HEALTHCHECK in shell form needs /bin/sh');
  }
  const numbers = {
    Interval: nanoseconds(health.options.interval),
    Timeout: nanoseconds(health.options.timeout),
    StartPeriod: nanoseconds(health.options['start-period']),
    StartInterval: nanoseconds(health.options['start-interval']),
    Retries: health.options.retries ? Number(health.options.retries) : undefined,
  };
  // Docker keeps these as 64-bit integers; a value JavaScript cannot hold exactly (or not a count) is not guessed.
  const bad = Object.entries(numbers).find(([, value]) => value !== undefined && (!Number.isSafeInteger(value) || value < 0));
  if (bad) {
    return {
      status: 'manual',
      rule: 'healthcheck.number',
      message: `HEALTHCHECK ${bad[0]}: ${JSON.stringify(bad[0] === 'Retries' ? health.options.retries : bad[1])} is not a duration or count dock2nix can write exactly; the health check is not kept`,
    };
  }
  state.config.Healthcheck = {
    Test: test,
    ...numbers,
  };
  const added = healthcheckTools(health.test, state);
  const dropped = healthcheckDropped(format);
  if (dropped) return { status: 'manual', rule: `healthcheck.${format}`, message: dropped };
  const tools = added.length ? `; adds ${added.join(', ')}, which the check calls and the Nix image would otherwise lack` : '';
  return {
    status: 'approximated',
    rule: 'healthcheck.dockertools',
    message: `kept as Healthcheck in the image config; Docker reads it from the config, but OCI runtimes and Kubernetes ignore it${tools}`,
  };
}

/** Programs health checks commonly call, and the nixpkgs attribute that provides each. */
const HEALTHCHECK_TOOLS = new Map([
  ['curl', 'curl'],
  ['wget', 'wget'],
]);

/**
 * The check runs inside the image: a curl or wget it calls must be there. Base images often ship one (Alpine's
 * busybox has wget) that the Nix image does not; add it unless the image already has it.
 */
function healthcheckTools(test: CommandForm, state: StageState): string[] {
  const words = test.form === 'exec' ? [test.argv[0] ?? ''] : test.command.split(/&&|\|\||[;|\n]/).map((part) => part.trim().split(/\s+/)[0] ?? '');
  const added: string[] = [];
  for (const word of words) {
    const attr = HEALTHCHECK_TOOLS.get(word.replace(/^.*\//, ''));
    if (!attr || state.packages.get(attr) === 'runtime' || (attr === 'wget' && state.packages.get('busybox') === 'runtime')) continue;
    state.packages.set(attr, 'runtime');
    state.removed.delete(attr);
    added.push(attr);
  }
  return added;
}
