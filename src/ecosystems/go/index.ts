/** Go: `go build`/`go install` become buildGoModule; `make` in a Go stage reads the Makefile's recipe. */
import { match } from 'ts-pattern';
import { resolvePath } from '../../container-path.js';
import { analyzeShell } from '../../shell/analyze.js';
import { flagValue, parseArgs } from '../../convert/programs/args.js';
import { buildStepCount, contextPathOf, type CommandScope } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, unknownProgram, type ProgramHandler } from '../define.js';
import { planGo } from './build.js';
import { makeRecipe } from './make-recipe.js';

const go: ProgramHandler = (words, command, scope) => {
  const args = parseArgs(
    words.slice(1),
    new Set(['-o', '-ldflags', '-tags', '-gcflags', '-asmflags', '-mod', '-p', '-buildmode', '-pkgdir', '-installsuffix', '-modfile', '-overlay', '-C']),
  );
  const [action, ...packages] = args.operands;
  const cgoSetting = command.assigns.CGO_ENABLED ?? scope.env.CGO_ENABLED ?? null;
  return match(action)
    .with('build', 'install', () => {
      if (action === 'install' && packages.some((p) => p.includes('@'))) {
        return manual(
          'run.go.install-remote',
          `go install ${packages.join(' ')}: installs a tool from the network; use the nixpkgs package or buildGoModule with its source`,
        );
      }
      const output = flagValue(args, '-o');
      scope.stage.go.push({
        line: scope.line,
        cwd: command.cwd,
        output: output ? resolvePath(command.cwd, output) : null,
        packages: packages.length ? packages : ['.'],
        ldflags: (flagValue(args, '-ldflags') ?? '').split(/\s+/).filter(Boolean),
        tags: (flagValue(args, '-tags') ?? '').split(/[\s,]+/).filter(Boolean),
        cgo: cgoSetting === null ? null : cgoSetting === '1',
      });
      scope.stage.buildLines.push(scope.line);
      return {
        status: 'mapped' as const,
        rule: 'run.go.build',
        message: `go ${action} ${packages.join(' ') || '.'}: buildGoModule${cgoSetting === '0' ? ' with env.CGO_ENABLED = 0' : ''}`,
      };
    })
    .with('mod', 'get', () =>
      packages.length && action === 'get'
        ? manual('run.go.get', `go get ${packages.join(' ')}: changes go.mod at build time; commit the change instead`)
        : ignored('run.go.mod', `go ${action} ${packages.join(' ')}: dependencies come from buildGoModule's vendorHash`),
    )
    .with('test', 'vet', 'version', 'env', 'fmt', () => ignored('run.go.check', `go ${action}: checks run in buildGoModule's checkPhase`))
    .with('generate', () => {
      scope.stage.unhandled.push({ line: scope.line, source: command.source, after: buildStepCount(scope.stage), replayed: true });
      return {
        status: 'approximated' as const,
        rule: 'run.go.generate',
        message: `go generate: replayed in the derivation before its build, offline with the vendored modules; a generator that downloads, or calls a tool the stage lacks, fails there`,
      };
    })
    .otherwise(() => manual('run.go.unknown', `go ${action ?? ''}: not understood`));
};

/** Whether the stage builds Go: a golang base, a go build before, or a go.mod copied where the command runs. */
function goStage(scope: CommandScope, cwd: string): boolean {
  return Boolean(scope.stage.runtimes.go) || scope.stage.go.length > 0 || contextPathOf(scope.stage, resolvePath(cwd, 'go.mod')) !== null;
}

/**
 * `make <target>` in a Go stage. When the Makefile's recipe for the target is plain commands dock2nix converts
 * (`go build -o bin/app -ldflags ... ./cmd/app`), they become buildGoModule's flags. Otherwise the derivation
 * keeps buildGoModule's Go and vendored modules and runs the target as written, marked for a check.
 */
const make: ProgramHandler = (words, command, scope, run) => {
  const args = parseArgs(words.slice(1), new Set(['-C', '--directory', '-f', '--file', '--makefile', '-j', '--jobs', '-l', '-o', '-W', '-I']));
  const dir = resolvePath(command.cwd, flagValue(args, '-C', '--directory') ?? '.');
  if (!goStage(scope, dir)) return unknownProgram(command, 'make');
  const overrides = Object.fromEntries(args.operands.filter((o) => o.includes('=')).map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)]));
  const targets = args.operands.filter((o) => !o.includes('='));
  const names = flagValue(args, '-f', '--file', '--makefile') ? [flagValue(args, '-f', '--file', '--makefile')!] : ['GNUmakefile', 'makefile', 'Makefile'];
  let makefile: { path: string; text: string } | null = null;
  for (const name of names) {
    const path = contextPathOf(scope.stage, resolvePath(dir, name));
    const text = path === null ? null : scope.context.readText(path);
    if (path !== null && text !== null) {
      makefile = { path, text };
      break;
    }
  }
  const env = { ...scope.env, ...Object.fromEntries(Object.entries(command.assigns).filter((e): e is [string, string] => e[1] !== null)) };
  const recipe = makefile ? makeRecipe(makefile.text, targets[0] ?? null, { ...env, ...overrides }) : null;
  const target = targets.join(' ') || recipe?.target || '(the first target)';
  let why = !makefile
    ? 'no Makefile copied from the build context before it'
    : recipe === null
      ? `the recipe of "${target}" in ${makefile.path} is not plain commands dock2nix can read`
      : '';
  if (recipe && makefile) {
    const saved = {
      go: scope.stage.go.length,
      lines: scope.stage.buildLines.length,
      unhandled: scope.stage.unhandled.length,
      copies: scope.stage.builtCopies.length,
    };
    const analysis = analyzeShell(scope.shell, recipe.commands.join('\n'), env, dir);
    const outcomes = analysis.ok ? analysis.commands.map((c) => run.dispatch({ ...c, conditional: c.conditional || command.conditional }, scope)) : [];
    const built = scope.stage.go.length > saved.go;
    if (analysis.ok && built && outcomes.every((o) => o.status !== 'manual')) {
      return {
        status: 'approximated',
        rule: 'run.make.go',
        message: `make ${target}: its recipe in ${makefile.path} (${recipe.commands.join('; ')}) becomes buildGoModule's build`,
      };
    }
    scope.stage.go.length = saved.go;
    scope.stage.buildLines.length = saved.lines;
    scope.stage.unhandled.length = saved.unhandled;
    scope.stage.builtCopies.length = saved.copies;
    why = !analysis.ok
      ? `the recipe of "${target}" in ${makefile.path} does not parse`
      : !built
        ? `the recipe of "${target}" in ${makefile.path} runs no go build`
        : `the recipe of "${target}" in ${makefile.path} has commands dock2nix does not convert (${outcomes
            .filter((o) => o.status === 'manual')
            .map((o) => o.message)
            .join('; ')})`;
  }
  const cgo = command.assigns.CGO_ENABLED ?? scope.env.CGO_ENABLED ?? null;
  scope.stage.go.push({
    line: scope.line,
    cwd: dir,
    output: null,
    packages: [],
    ldflags: [],
    tags: [],
    cgo: cgo === null ? null : cgo === '1',
    make: command.source,
  });
  scope.stage.buildLines.push(scope.line);
  return manual(
    'run.make.go',
    `${command.source}: ${why}; the derivation runs it as written, with buildGoModule's Go and vendored modules (offline): check that it builds offline and leaves what later stages copy`,
  );
};

export default defineEcosystem({
  id: 'go',
  summary: 'Go builds (buildGoModule), with make targets that run go build',
  programs: { go, make },
  builtOutput: (state, path) =>
    state.go.some((step) => step.output === path && step.make === undefined) || (state.go.length > 0 && /^\/go\/bin\/[^/]+$/.test(path)),
  build: { precedence: 0, active: (state) => state.go.length > 0, plan: planGo },
});
