/**
 * Will the image start? Once the image plan is complete, the program its ENTRYPOINT / CMD runs is checked
 * against what the image holds: a runner the image lacks (`poetry run X`, `uv run X`, `pipenv run X`) is replaced
 * by X from the Python environment, a script's `#!` interpreter is added when it is missing, a Python path of a
 * Debian image (`/usr/local/bin/python`) becomes a link to the environment, and a program or file nothing places
 * is reported as manual work. Every change is a finding on the instruction that set the command, which the plan
 * notes on that instruction's report.
 */
import { resolvePath } from '../container-path.js';
import type { BuildContext } from './context.js';
import type { Instruction } from '../dockerfile/model.js';
import type { DerivationPlan, ImagePlan, Status } from './types.js';

export interface EntrypointScope {
  image: ImagePlan;
  derivations: DerivationPlan[];
  context: BuildContext;
  /** The instructions that set the final ENTRYPOINT and CMD (null when the base image set it). */
  entrypoint: Instruction | null;
  cmd: Instruction | null;
  /** The repository of the image's base (`denoland/deno`), whose entry point script some checks stand in for. */
  base?: string;
}

/** What the check found, and the instruction whose report says it. */
export interface EntrypointFinding {
  instruction: Instruction;
  status: Status;
  text: string;
}

const RUNNERS = new Set(['poetry', 'uv', 'pipenv']);
/** uv run options that take a value; `--env-file`, `--directory`, `--project` change what runs, so they are not dropped. */
const UV_VALUE_OPTIONS = new Set([
  '--with',
  '--with-requirements',
  '--with-editable',
  '--python',
  '-p',
  '--extra',
  '--group',
  '--no-group',
  '--only-group',
  '--package',
  '--index',
  '--default-index',
  '--index-url',
  '--extra-index-url',
  '--find-links',
  '-f',
  '--cache-dir',
  '--color',
  '--config-file',
]);
const UV_MEANINGFUL_OPTIONS = new Set(['--env-file', '--directory', '--project', '--script', '-s']);
const PYTHON = /^python(3(\.\d+)?)?$/;
/** Programs some Python packages install under another name than their attribute. */
const PYTHON_PROGRAMS: Record<string, string[]> = {
  django: ['django-admin'],
  waitress: ['waitress-serve'],
  jupyter: ['jupyter'],
  jupyterlab: ['jupyter-lab', 'jupyter'],
  'python-dotenv': ['dotenv'],
};
/** Folders nixpkgs packages in `contents` fill (/bin/x, /usr/bin/env): not checked, a package may provide them. */
const PACKAGE_FOLDERS = /^\/(bin|sbin|usr\/bin|usr\/sbin|lib|lib64|nix|etc|share)\//;
const SHELLS = new Set(['bash', 'bashInteractive']);
/** nixpkgs attributes that put a `java` in the image. */
const JAVA =
  /^(temurin-(jre-)?bin-\d+|jdk\d*(_headless)?|jre\d*(_headless|_minimal)?|corretto\d+|openjdk\d*(_headless)?|zulu\d*|graalvm-ce|semeru-(jre-)?bin-\d+)$/;
const SH_PROVIDERS = new Set(['busybox', 'dockerTools.binSh', 'bash', 'bashInteractive', 'bashInteractive.binSh', 'dash']);

interface Finding {
  field: 'Entrypoint' | 'Cmd';
  status: Status;
  text: string;
}

export function checkEntrypoint(scope: EntrypointScope): EntrypointFinding[] {
  const { image } = scope;
  // On a kept base (partial migration) the command may run what the base's own layers hold, which dock2nix cannot
  // see; adding a shell or /usr/bin/env of ours would shadow the base's. The FROM report says so.
  if (image.baseImage) return [];
  const findings: Finding[] = [];
  const config = image.config;
  const dispatched = denoDispatch(scope) ?? bunDispatch(scope);
  if (dispatched) findings.push(dispatched);
  const field: 'Entrypoint' | 'Cmd' | null = config.Entrypoint?.length ? 'Entrypoint' : config.Cmd?.length ? 'Cmd' : null;
  if (!field) return [];
  const report = field === 'Entrypoint' ? scope.entrypoint : scope.cmd;
  // The base image's own command (python3, node): nothing the Dockerfile wrote.
  if (!report) return [];
  const add = (status: Status, text: string, where: 'Entrypoint' | 'Cmd' = field) => findings.push({ field: where, status, text });

  const argv = [...config[field]!];
  const shellForm = argv.length === 3 && /(^|\/)(ba|da|a)?sh$/.test(argv[0]!) && argv[1] === '-c';
  if (shellForm) {
    const rewritten = rewriteShellRunner(argv[2]!, scope, add);
    if (rewritten !== null) config[field] = [argv[0]!, argv[1]!, rewritten];
  } else {
    const rewritten = rewriteRunner(argv, scope, add);
    if (rewritten) {
      if (rewritten.length === 0 && field === 'Entrypoint') config.Entrypoint = null;
      else config[field] = rewritten;
    }
  }
  const final = field === 'Entrypoint' && !config.Entrypoint ? config.Cmd : config[field];
  if (final?.length && !(shellForm && final.length === 3)) checkProgram(final, scope, add);
  else if (final?.length) checkShellCommand(final[2]!, scope, add);

  return findings.map((finding) => ({
    instruction: (finding.field === 'Entrypoint' ? scope.entrypoint : scope.cmd) ?? report,
    status: finding.status,
    text: finding.text,
  }));
}

type Add = (status: Status, text: string) => void;

/**
 * Deno subcommands denoland/deno's entry point script passes to deno (`deno run …`); any other command it runs as it
 * is (`exec "$@"`). The tables give that image an Entrypoint of deno, which stands for the first case only.
 */
const DENO_SUBCOMMANDS = new Set(
  'add bench bundle cache check clean compile completions coverage doc eval fmt help info init install jupyter lint lsp outdated publish remove repl run serve task test types uninstall upgrade vendor'.split(
    ' ',
  ),
);

/** Bun's subcommands: never a program on the PATH of oven/bun, so its entry point script puts bun in front of them. */
const BUN_SUBCOMMANDS = new Set(
  'run test x repl exec install i add a remove rm update outdated link unlink publish patch pm info audit why init create c upgrade build'.split(' '),
);

/**
 * oven/bun's docker-entrypoint.sh runs bun with the command when its first word is an option, not a program on the
 * PATH, or a file that is not executable. The tables give the image no Entrypoint, so a CMD of the Dockerfile that
 * relies on it (`CMD ["run", "start"]`, `CMD ["index.ts"]`) gets bun in front.
 */
function bunDispatch(scope: EntrypointScope): Finding | null {
  const { config } = scope.image;
  if (scope.base !== 'oven/bun' || scope.entrypoint || !scope.cmd || config.Entrypoint?.length || !config.Cmd?.length) return null;
  const first = config.Cmd[0]!;
  if (!first.startsWith('-') && !BUN_SUBCOMMANDS.has(first) && !/^[^/]*\.(m?[jt]sx?|c[jt]s)$/.test(first)) return null;
  config.Cmd = ['bun', ...config.Cmd];
  return {
    field: 'Cmd',
    status: 'mapped',
    text: `${first} is ${first.startsWith('-') ? 'an option' : BUN_SUBCOMMANDS.has(first) ? 'a Bun subcommand' : 'a script file'}, which oven/bun's entry point script runs with bun: Cmd gets bun in front`,
  };
}

/** A CMD of the Dockerfile under the deno base's Entrypoint that is not a Deno subcommand (`deno run x.ts`): no Entrypoint. */
function denoDispatch(scope: EntrypointScope): Finding | null {
  const { config } = scope.image;
  if (
    scope.base !== 'denoland/deno' ||
    scope.entrypoint ||
    !scope.cmd ||
    config.Entrypoint?.length !== 1 ||
    config.Entrypoint[0] !== 'deno' ||
    !config.Cmd?.length
  )
    return null;
  const first = config.Cmd[0]!;
  if (first.startsWith('-') || DENO_SUBCOMMANDS.has(first)) return null;
  config.Entrypoint = null;
  return {
    field: 'Cmd',
    status: 'mapped',
    text: `${first} is not a Deno subcommand, so denoland/deno's entry point script runs the command as it is: no Entrypoint of deno before it`,
  };
}

/** `poetry run X …`, `uv run X …`, `pipenv run X …` → `X …` (the words after the runner), or null when none. */
function rewriteRunner(argv: string[], scope: EntrypointScope, add: Add): string[] | null {
  const tool = argv[0]!.split('/').pop()!;
  if (!RUNNERS.has(tool) || argv[1] !== 'run' || scope.image.contents.includes(tool)) return null;
  if (!scope.image.python) {
    add('manual', `${tool} run: the image has neither ${tool} nor a Python environment to run the command with`);
    return null;
  }
  let i = 2;
  const dropped: string[] = [];
  let module: string | null = null;
  while (i < argv.length && argv[i]!.startsWith('-')) {
    const option = argv[i]!.split('=')[0]!;
    if (UV_MEANINGFUL_OPTIONS.has(option) || (tool !== 'uv' && option !== '--')) {
      add(
        'manual',
        `${tool} run ${argv[i]}: the image has no ${tool}, and dock2nix does not rewrite this option; run the command from the Python environment by hand`,
      );
      return null;
    }
    if (option === '--') {
      i++;
      break;
    }
    if (option === '-m' || option === '--module') {
      module = argv[i + 1] ?? null;
      i += 2;
      break;
    }
    dropped.push(argv[i]!);
    i += UV_VALUE_OPTIONS.has(option) && !argv[i]!.includes('=') ? 2 : 1;
  }
  let rest = argv.slice(i);
  if (module) rest = ['python', '-m', module, ...rest];
  else if (rest[0] && /\.py$/.test(rest[0])) rest = ['python', ...rest];
  if (!rest.length) {
    add('approximated', `${tool} run: the image has no ${tool}; the command that follows runs directly`);
    return [];
  }
  const known = PYTHON.test(rest[0]!) || pythonPrograms(scope.image).has(rest[0]!);
  const what = PYTHON.test(rest[0]!)
    ? "the Python environment's interpreter"
    : `${rest[0]} from the Python environment${known ? '' : ` (which has it only if one of its packages installs it: none is named ${rest[0]})`}`;
  add(
    'approximated',
    `${tool} run: the image has no ${tool} (its environment is the image's Python environment), so the command is ${JSON.stringify(rest)}, which runs ${what} directly${dropped.length ? ` (options dropped: ${dropped.join(' ')})` : ''}`,
  );
  return rest;
}

/** The same for a shell-form command that starts with a runner (`uv run uvicorn app:app`). */
function rewriteShellRunner(command: string, scope: EntrypointScope, add: Add): string | null {
  const match = /^(\s*(?:exec\s+)?)(poetry|uv|pipenv)\s+run\s+([A-Za-z0-9_./-]+)(?=\s|$)/.exec(command);
  if (!match || scope.image.contents.includes(match[2]!)) return null;
  if (!scope.image.python) {
    add('manual', `${match[2]} run: the image has neither ${match[2]} nor a Python environment to run the command with`);
    return null;
  }
  const program = /\.py$/.test(match[3]!) ? `python ${match[3]}` : match[3]!;
  add(
    'approximated',
    `${match[2]} run: the image has no ${match[2]} (its environment is the image's Python environment), so this runs ${program.split(' ')[0]} from the Python environment directly`,
  );
  return `${match[1]}${program}${command.slice(match[0].length)}`;
}

/** Names the Python environment provides in its bin folder, as far as the package names tell. */
function pythonPrograms(image: ImagePlan): Set<string> {
  const names = new Set(['python', 'python3']);
  for (const pkg of image.python?.packages ?? []) {
    names.add(pkg);
    for (const program of PYTHON_PROGRAMS[pkg] ?? []) names.add(program);
  }
  return names;
}

function hasContent(image: ImagePlan, attrs: Set<string>): boolean {
  return image.contents.some((attr) => attrs.has(attr));
}

/** What the image has at an absolute path, as far as the plan tells. */
type Found =
  | { kind: 'python'; program: string }
  | { kind: 'context'; path: string }
  | { kind: 'text'; content: string }
  | { kind: 'built' }
  | { kind: 'missing' }
  | { kind: 'unknown' };

function lookup(path: string, scope: EntrypointScope): Found {
  const { image, context } = scope;
  for (const link of image.symlinks) {
    if (link.target.kind !== 'python' || (path !== link.path && !path.startsWith(`${link.path}/`))) continue;
    const inner = `${link.target.subpath}${path.slice(link.path.length)}`.replace(/^\/+/, '');
    return { kind: 'python', program: /^bin\/[^/]+$/.test(inner) ? inner.slice(4) : inner };
  }
  // The last placement covering the path wins, as the later COPY does in Docker.
  for (const file of [...image.files].reverse()) {
    if (file.dest === path) {
      if (file.source.kind === 'context') return file.source.directory ? { kind: 'missing' } : { kind: 'context', path: file.source.path };
      if (file.source.kind === 'text') return { kind: 'text', content: file.source.content };
      return { kind: 'built' };
    }
    if (!path.startsWith(`${file.dest === '/' ? '' : file.dest}/`)) continue;
    if (file.source.kind !== 'context') return file.source.kind === 'derivation' ? { kind: 'built' } : { kind: 'unknown' };
    if (!file.source.directory) continue;
    const inner = [file.source.path, path.slice(file.dest === '/' ? 1 : file.dest.length + 1)].filter(Boolean).join('/');
    const kind = context.kind(inner);
    if (kind === 'file') return { kind: 'context', path: inner };
  }
  if (PACKAGE_FOLDERS.test(path)) return { kind: 'unknown' };
  return { kind: 'missing' };
}

/** A Python path of a Debian-based image (`/usr/local/bin/python3`, `/usr/bin/python3`): a link to the environment's. */
function linkPythonProgram(path: string, scope: EntrypointScope): string | null {
  const match = /^\/usr\/(?:local\/)?bin\/([^/]+)$/.exec(path);
  if (!match || !scope.image.python || !pythonPrograms(scope.image).has(match[1]!.replace(/^python3\.\d+$/, 'python3'))) return null;
  if (!scope.image.symlinks.some((l) => l.path === path)) {
    const program = match[1]!.replace(/^python3\.\d+$/, 'python3');
    scope.image.symlinks.push({ path, target: { kind: 'python', subpath: `/bin/${program}` } });
    scope.image.symlinks.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  return `${path} is a link to the Python environment's ${match[1]}`;
}

function checkProgram(argv: string[], scope: EntrypointScope, add: Add): void {
  const { image } = scope;
  const program = argv[0]!;
  const workdir = image.config.WorkingDir ?? '/';
  if (program.includes('/')) {
    checkFile(resolvePath(workdir, program), program, scope, add, true);
    return;
  }
  const name = program;
  if (RUNNERS.has(name) && !image.contents.includes(name)) {
    add('manual', `${name}: the image has no ${name}; run the program from the Python environment instead`);
    return;
  }
  if ((name === 'pip' || name === 'pip3') && !image.python?.packages.includes('pip')) {
    add('manual', `${name}: the image's Python environment has no pip, and nothing can be installed into it at run time; add the packages to the environment`);
    return;
  }
  if (/^(node|npm|npx)$/.test(name) && !image.contents.some((attr) => /^nodejs(_\d+)?(-slim)?$/.test(attr))) {
    add('manual', `${name}: the image has no Node.js; add the nodejs package`);
    return;
  }
  if (name === 'java') {
    // The JDK or JRE comes from the image's Java runtime (eclipse-temurin, openjdk, amazoncorretto, distroless java).
    if (!image.contents.some((attr) => JAVA.test(attr))) {
      add('manual', 'java: the image has no Java; add a JDK or JRE (temurin-jre-bin-N, jdkN_headless)');
      return;
    }
    const jar = argv.findIndex((w) => w === '-jar');
    if (jar !== -1 && argv[jar + 1] && !argv[jar + 1]!.startsWith('-')) checkFile(resolvePath(workdir, argv[jar + 1]!), argv[jar + 1]!, scope, add, false);
    return;
  }
  if (name === 'npx') {
    checkNpx(argv, scope, add);
    return;
  }
  if (name === 'bash' && !hasContent(image, SHELLS)) {
    image.contents.push('bashInteractive');
    image.contents.sort();
    add('approximated', 'bash: the image gets bashInteractive for it');
  } else if (name === 'sh' && !hasContent(image, SH_PROVIDERS)) {
    image.contents.push('dockerTools.binSh');
    image.contents.sort();
    add('approximated', 'sh: the image gets dockerTools.binSh for it');
  }
  // `python app.py`, `bash start.sh`: the script must be in the image.
  if ((PYTHON.test(name) || /^(ba|da)?sh$/.test(name) || name === 'node') && argv[1] && !argv[1].startsWith('-') && /\.(py|sh|js|mjs|cjs)$/.test(argv[1])) {
    checkFile(resolvePath(workdir, argv[1]), argv[1], scope, add, false);
  }
}

function checkShellCommand(command: string, scope: EntrypointScope, add: Add): void {
  const first = /^\s*(?:exec\s+)?([^\s;&|<>()$`'"]+)/.exec(command)?.[1];
  if (!first) return;
  if (RUNNERS.has(first) && !scope.image.contents.includes(first))
    add('manual', `${first}: the image has no ${first}; run the program from the Python environment instead`);
  else if (first.includes('/')) checkFile(resolvePath(scope.image.config.WorkingDir ?? '/', first), first, scope, add, true);
}

/** A file the command runs (executable: runs it directly, so its `#!` line matters). */
function checkFile(path: string, written: string, scope: EntrypointScope, add: Add, executable: boolean): void {
  const found = lookup(path, scope);
  if (found.kind === 'missing') {
    const linked = executable ? linkPythonProgram(path, scope) : null;
    if (linked) add('approximated', linked);
    else add('manual', `${written}: nothing places ${path} in the image; place it (or point the command at a program the image has)`);
    return;
  }
  if (found.kind === 'python') {
    const known = pythonPrograms(scope.image).has(found.program);
    add(
      'approximated',
      `${written}: in the image, that folder is a link to the Python environment${known ? '' : `, which has ${found.program} only if one of its packages installs it`}`,
    );
    return;
  }
  if (!executable) return;
  const text = found.kind === 'context' ? scope.context.readText(found.path) : found.kind === 'text' ? found.content : null;
  const shebang = text ? /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(text.split('\n', 1)[0]!) : null;
  if (!shebang) return;
  checkInterpreter(shebang[1]!, shebang[2] ?? null, written, scope, add);
}

function checkInterpreter(interpreter: string, argument: string | null, script: string, scope: EntrypointScope, add: Add): void {
  const { image } = scope;
  let program = interpreter.split('/').pop()!;
  if (program === 'env') {
    if (!image.contents.includes('dockerTools.usrBinEnv')) {
      image.contents.push('dockerTools.usrBinEnv');
      image.contents.sort();
      add('approximated', `${script} starts with #!${interpreter}: the image gets dockerTools.usrBinEnv for it`);
    }
    program = (argument ?? '').replace(/^-S$/, '');
    if (!program) return;
  } else if (/^\/usr\/(local\/)?bin\//.test(interpreter) && PYTHON.test(program.replace(/^python3\.\d+$/, 'python3'))) {
    const linked = linkPythonProgram(interpreter, scope);
    add(
      linked ? 'approximated' : 'manual',
      linked ? `${script} starts with #!${interpreter}: ${linked}` : `${script} starts with #!${interpreter}, which the image does not have`,
    );
    return;
  }
  if (program === 'bash' && !hasContent(image, SHELLS)) {
    image.contents.push('bashInteractive');
    image.contents.sort();
    add('approximated', `${script} starts with #!${interpreter}: the image gets bashInteractive for it`);
  } else if (program === 'sh' && !hasContent(image, SH_PROVIDERS)) {
    image.contents.push('dockerTools.binSh');
    image.contents.sort();
    add('approximated', `${script} starts with #!${interpreter}: the image gets dockerTools.binSh for it`);
  } else if (PYTHON.test(program) && !image.python) {
    add('manual', `${script} starts with #!${interpreter}, and the image has no Python`);
  }
}

/** `npx X`: X must be a dependency of the app in the image, or npx downloads it when the container starts. */
function checkNpx(argv: string[], scope: EntrypointScope, add: Add): void {
  const tool = argv.slice(1).find((w) => !w.startsWith('-'));
  if (!tool) return;
  const workdir = scope.image.config.WorkingDir ?? '/';
  const found = lookup(`${workdir === '/' ? '' : workdir}/package.json`, scope);
  let manifest: string | null = found.kind === 'context' ? scope.context.readText(found.path) : null;
  if (!manifest && found.kind === 'built') {
    const derivation = scope.derivations.find((d) => d.build.kind === 'npm');
    if (derivation) manifest = scope.context.readText(derivation.src.root ? `${derivation.src.root}/package.json` : 'package.json');
  }
  let dependencies: string[] = [];
  try {
    const parsed = JSON.parse(manifest ?? '{}') as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    dependencies = [...Object.keys(parsed.dependencies ?? {}), ...Object.keys(parsed.devDependencies ?? {})];
  } catch {
    dependencies = [];
  }
  const name = tool.replace(/@[^@/]*$/, '');
  if (dependencies.some((d) => d === name || d.split('/').pop() === name)) {
    add('approximated', `npx ${name}: runs ${name} from the app's node_modules (a dependency in package.json; nodejs provides npx)`);
  } else {
    add(
      'manual',
      `npx ${name}: ${name} is not a dependency of the app dock2nix can see, so npx would download it when the container starts; add it to package.json or use the nixpkgs package`,
    );
  }
}
