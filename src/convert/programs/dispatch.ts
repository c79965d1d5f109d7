/**
 * One shell command of a RUN line → the ecosystem that claims its program (src/ecosystems). What is the same for
 * every program stays here: wrappers (`sudo`, `exec`, `env A=b`), `python -m <module>`, version checks, words only
 * known at build time, folders only known at build time, and redirections that write files.
 */
import { resolvePath } from '../../container-path.js';
import { UNKNOWN_DIRECTORY, type ShellCommand } from '../../shell/analyze.js';
import { ignored, manual, unknownProgram, type ProgramHandler, type RunContext } from '../../ecosystems/define.js';
import { ECOSYSTEMS, ecosystemOf } from '../../ecosystems/index.js';
import type { CommandScope, Outcome } from '../stage.js';
import { DYNAMIC } from './packages.js';

const VERSION_CHECK = /^(-v|--version|-V|version)$/;
const WRAPPERS = new Set(['sudo', 'exec', 'command', 'nice', 'nohup', 'time', 'eatmydata']);
/** Programs whose dynamic words are harmless: they only print, set shell state or change folder (rm: see files). */
const DYNAMIC_WORDS_OK = new Set(['echo', 'printf', 'set', 'export', 'cd', 'rm']);

const RUN: RunContext = {
  dispatch: ruleForCommand,
  cachePath: (path) => ECOSYSTEMS.some((e) => e.cachePaths?.some((re: RegExp) => re.test(path))),
  scaffolding: (state, path) => ECOSYSTEMS.some((e) => e.scaffolding?.(state, path) === true),
  builtOutput: (state, path) => ECOSYSTEMS.some((e) => e.builtOutput?.(state, path) === true),
};

/** Whether a program's conversion does not depend on the folder it runs in. */
function cwdIndependent(program: string): boolean {
  const setting = ecosystemOf(program)?.cwdIndependent;
  return setting === true || (Array.isArray(setting) && setting.includes(program));
}

/** The handler of `python -m <module>`, when an ecosystem claims the module. */
function pythonModule(module: string): ProgramHandler | undefined {
  for (const ecosystem of ECOSYSTEMS) {
    if (ecosystem.pythonModules && Object.hasOwn(ecosystem.pythonModules, module)) return ecosystem.pythonModules[module];
  }
  return undefined;
}

/**
 * `echo words > file` in the image's own stages: the file is known (its words joined by spaces, a newline unless
 * `-n`), so it is placed as a text file at that line, root's and 0644 as a RUN as root leaves it, and a later chmod
 * or chown reaches it. Not where the result could differ: a backslash (dash's echo reads escapes, bash's does not),
 * another option, a word only known at build time, a condition, a user other than root, a folder at that path.
 */
function echoedFile(words: Array<string | null>, command: ShellCommand, scope: CommandScope): Outcome | null {
  const path = command.stdoutFile;
  const stage = scope.stage;
  if (!path || command.writes.length !== 1 || command.conditional || command.cwd === UNKNOWN_DIRECTORY || !stage.inImage) return null;
  if (stage.user !== null && !/^(root|0)(:(root|0))?$/.test(stage.user)) return null;
  if (stage.directories.has(path) || words.some((w) => w === null || w.includes('\\'))) return null;
  let args = words.slice(1) as string[];
  const newline = args[0] !== '-n';
  if (!newline) args = args.slice(1);
  if (args[0]?.startsWith('-')) return null;
  const content = `${args.join(' ')}${newline ? '\n' : ''}`;
  stage.files.push({ line: scope.line, source: { kind: 'text', content, name: path.split('/').pop() || 'file' }, dest: path, owner: null, mode: null });
  return {
    status: 'mapped',
    rule: 'run.echo.file',
    message: `${command.source}: ${path} is placed with its text (${JSON.stringify(content)}) when the image is assembled`,
  };
}

/** Decide one shell command. */
export function ruleForCommand(command: ShellCommand, scope: CommandScope): Outcome {
  let words = command.words.map((w) => w.text);
  let raw = command.words.map((w) => w.raw);
  const drop = (count: number) => {
    words = words.slice(count);
    raw = raw.slice(count);
  };
  while (words.length && words[0] !== null && WRAPPERS.has(words[0]!)) drop(1);
  if (words[0] === 'env') {
    // `env A=b cmd`: the assignments become the command's environment.
    let i = 1;
    while (i < words.length && words[i] !== null && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) {
      const [name, ...value] = words[i]!.split('=');
      command.assigns[name!] = value.join('=');
      i++;
    }
    drop(i);
    if (!words.length) return ignored('run.noop', 'env: changes nothing in the image');
  }
  const program = words[0];
  if (program === null || program === undefined) return manual('run.dynamic', `${command.source}: the program name is only known at build time`);
  let base = program.split('/').pop()!;
  if (command.cwd === UNKNOWN_DIRECTORY && !cwdIndependent(base))
    return manual('run.dynamic', `${command.source}: runs in a folder only known at build time (after a cd)`);
  // `python -m pip install …`, `python3 -m venv /opt/venv`: the module's handler, with the interpreter words removed.
  let handler: ProgramHandler | undefined;
  const module = /^python(\d(\.\d+)?)?$/.test(base) && words[1] === '-m' ? words[2] : null;
  if (typeof module === 'string' && (handler = pythonModule(module))) {
    drop(2);
    base = module;
  }
  if (words.length === 2 && words[1] !== null && VERSION_CHECK.test(words[1]!)) return ignored('run.version-check', `${base} ${words[1]}: a version check`);
  const ecosystem = handler ? undefined : ecosystemOf(base);
  handler ??= ecosystem?.programs[base];
  if (!handler) return finish(unknownProgram(command, base));
  const dynamic = raw.filter((_, i) => words[i] === null);
  const installer = (ecosystem ?? ecosystemOf(base))?.installer;
  if (dynamic.length && installer?.installsKnownNames.includes(base)) {
    // Install what is known; the words only known at build time are reported, not guessed.
    const outcome = handler(
      words.map((w, i) => w ?? `${DYNAMIC}${raw[i]}`),
      command,
      scope,
      RUN,
    );
    return finish({
      ...outcome,
      status: 'manual',
      message: `${outcome.message.replaceAll(DYNAMIC, '')}; only known at build time, so not mapped: ${dynamic.join(', ')}`,
    });
  }
  if (dynamic.length && !DYNAMIC_WORDS_OK.has(base)) {
    return finish(manual('run.dynamic', `${command.source}: some words are only known at build time (${dynamic.join(', ')})`));
  }
  return finish(
    handler(
      words.map((w) => w ?? ''),
      command,
      scope,
      RUN,
    ),
  );

  function finish(outcome: Outcome): Outcome {
    const echoed = base === 'echo' ? echoedFile(words, command, scope) : null;
    if (echoed) return echoed;
    const writes = command.writes;
    for (const write of writes) if (write !== null) scope.stage.writtenFiles.add(resolvePath(command.cwd, write));
    if (writes.length && writes.every((w) => w !== null && RUN.scaffolding(scope.stage, resolvePath(command.cwd, w)))) {
      return ignored(
        'run.cargo.dummy',
        `${command.source}: writes a placeholder ${writes.join(', ')} to cache the dependencies in a Docker layer; the derivation builds the real source`,
      );
    }
    if (writes.length && outcome.status !== 'manual') {
      return {
        status: 'manual',
        rule: 'run.writes-file',
        message: `${command.source}: writes ${writes.map((w) => w ?? '(unknown path)').join(', ')}; write the file with pkgs.writeText instead`,
      };
    }
    if (command.conditional && outcome.status === 'mapped') {
      return { ...outcome, status: 'approximated', message: `${outcome.message} (runs only under a condition in the Dockerfile)` };
    }
    return outcome;
  }
}
