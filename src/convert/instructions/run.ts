/** RUN: each command of the script goes to the command rules (../commands); mounts and heredocs are noted here. */
import type { Instruction } from '../../dockerfile/model.js';
import { analyzeShell } from '../../shell/analyze.js';
import { ruleForCommand } from '../programs/dispatch.js';
import { buildStepCount, worst, type CommandScope, type Outcome, type StageState } from '../stage.js';
import { needsCertificates, type DecideScope } from './scope.js';
import { shellWord } from '../shell-word.js';
import { STATUS_ORDER } from '../types.js';

export function decideRun(run: Extract<Instruction, { keyword: 'RUN' }>, state: StageState, scope: DecideScope): Outcome & { details: string[] } {
  const env = { ...run.env, ...Object.fromEntries(state.env) };
  const commandScope: CommandScope = {
    rules: scope.rules,
    decisions: scope.decisions,
    stage: state,
    context: scope.context,
    shell: scope.shell,
    line: run.line,
    env: { ...env },
  };
  const outcomes: Outcome[] = [];
  const details: string[] = [];
  const mountNotes: string[] = [];
  for (const mount of run.mounts) {
    if (mount.type === 'cache') mountNotes.push(`cache mount ${mount.target ?? ''} is not needed: Nix caches whole derivations`);
    else if (mount.type === 'secret' || mount.type === 'ssh')
      mountNotes.push(`${mount.type} mount: secrets must not go into the Nix store; fetch with a fixed-output derivation or provide the result`);
    else if (mount.type === 'bind')
      mountNotes.push(`bind mount ${mount.source ?? ''}${mount.from ? ` from ${mount.from}` : ''}: the files are part of the derivation's source`);
    else mountNotes.push(`${mount.type} mount`);
  }
  // Nix builds run without a network (only fixed-output derivations fetch), whatever the RUN asked for.
  if (run.network === 'none') mountNotes.push('--network=none: Nix builds have no network either');
  else if (run.network && run.network !== 'default')
    mountNotes.push(`--network=${run.network}: Nix builds have no network; what the command downloads must come from a fixed-output derivation`);
  const scripts: Array<{ script: string; label: string }> = [];
  if (run.heredocs.length) {
    const command = run.heredocs[0]!.command;
    const shellLike = command === '' || /^(\/bin\/|\/usr\/bin\/)?(sh|bash|ash|dash)( -[a-z]+)*$/.test(command);
    if (!shellLike) {
      state.unhandled.push({ line: run.line, source: run.text });
      return {
        status: 'manual',
        rule: 'run.heredoc.interpreter',
        message: `heredoc run by "${command}": not a shell script, so it needs manual work`,
        details: mountNotes,
      };
    }
    for (const heredoc of run.heredocs) scripts.push({ script: heredoc.content, label: `heredoc ${heredoc.name}` });
  } else if (run.run.form === 'exec') {
    scripts.push({ script: run.run.argv.map(shellWord).join(' '), label: 'exec form' });
  } else {
    scripts.push({ script: run.run.command, label: 'shell form' });
  }
  for (const { script } of scripts) {
    const analysis = analyzeShell(scope.shell, script, env, state.workdir);
    if (!analysis.ok) {
      state.unhandled.push({ line: run.line, source: script });
      return {
        status: 'manual',
        rule: 'run.parse-error',
        message: `the shell cannot parse this RUN (line ${run.line + analysis.line - 1}: ${analysis.error})`,
        details: mountNotes,
      };
    }
    // What the script exports is its own: each RUN is a new shell, and the image's Env never holds it.
    for (const [name, value] of Object.entries(analysis.exports)) if (value !== null) commandScope.env[name] = value;
    for (const command of analysis.commands) {
      if (command.words.some((w) => w.text?.startsWith('https://'))) needsCertificates(state, `line ${run.line}: fetches over TLS`);
      const outcome = ruleForCommand(command, commandScope);
      outcomes.push(outcome);
      details.push(`${outcome.status}: ${outcome.message}`);
      if (
        (outcome.status === 'manual' || (outcome.status === 'approximated' && outcome.rule === 'run.rm')) &&
        !state.unhandled.some((u) => u.line === run.line && u.source === command.source)
      ) {
        state.unhandled.push({ line: run.line, source: command.source, after: buildStepCount(state) });
      }
    }
  }
  if (outcomes.length === 1) details.length = 0;
  details.push(...mountNotes);
  if (outcomes.length === 0) return { status: 'ignored', rule: 'run.empty', message: 'no commands', details };
  const status = worst(outcomes);
  const counted = STATUS_ORDER.map((s) => [s, outcomes.filter((o) => o.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const message = outcomes.length === 1 ? outcomes[0]!.message : `${outcomes.length} commands (${counted.join(', ')})`;
  const rule = outcomes.length === 1 ? outcomes[0]!.rule : `run.${status}`;
  return { status, rule, message: mountNotes.length && outcomes.length === 1 ? `${message}; ${mountNotes.join('; ')}` : message, details };
}
