/**
 * What the derivation builders share: the source of a stage, its install phase, the stage's own commands they
 * replay, and the binding every builder starts from.
 */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, bool, id, indented, letIn, list, select, str, type Binding, type NixExpr } from '../ast.js';
import { contextPath } from '../context.js';
import { pkg, sortBindings, todo } from '../pkgs.js';
import { quote } from '../shell.js';

/** Names the builders bind: `src`, in the `let` of a Node derivation around its builder call. */
export const BUILDER_BINDINGS = ['src'] as const;

/** What every builder gets: the derivation, the bindings common to all, and the stage's environment. */
export interface BuilderInput<Build extends DerivationPlan['build'] = DerivationPlan['build']> {
  derivation: DerivationPlan;
  build: Build;
  /** pname, src, version, and nativeBuildInputs / buildInputs when the stage has any. */
  common: Binding[];
  /** The stage's ENV (without CGO_ENABLED, which the Go builder sets itself). */
  env: Binding[];
}

export const hashTodo = (line: number, what = 'hash') => todo(line, `build once and paste the ${what} Nix prints here (again whenever the lock file changes).`);

export function srcExpr(derivation: DerivationPlan): NixExpr {
  const root = contextPath(derivation.src.root);
  if (derivation.src.include === 'all') {
    return apply(
      select(id('builtins'), 'path'),
      attrs([bind('filter', id('contextFilter')), bind('name', str(`${derivation.pname}-source`)), bind('path', root)]),
    );
  }
  const prefix = derivation.src.root ? `${derivation.src.root}/` : '';
  return apply(
    select(id('lib'), 'fileset.toSource'),
    attrs([
      bind('fileset', apply(select(id('lib'), 'fileset.unions'), list(derivation.src.include.map((f) => contextPath(`${prefix}${f}`))))),
      bind('root', root),
    ]),
  );
}

/** The bindings every builder starts from. */
export function commonBindings(derivation: DerivationPlan): Binding[] {
  const common: Binding[] = [bind('pname', str(derivation.pname)), bind('src', srcExpr(derivation)), bind('version', str(derivation.version))];
  if (derivation.nativeBuildInputs.length) common.push(bind('nativeBuildInputs', list(derivation.nativeBuildInputs.map((a) => pkg(a)))));
  if (derivation.buildInputs.length) common.push(bind('buildInputs', list(derivation.buildInputs.map((a) => pkg(a)))));
  return common;
}

/**
 * Install what later stages copy out of the build folder into $out. `prune`: the builder's commands that drop
 * the dev dependencies first (the Node builders'), run before the copies.
 */
export function installPhase(derivation: DerivationPlan, prune: string[] = []): NixExpr {
  const lines = ['runHook preInstall', 'mkdir -p $out', ...prune];
  for (const output of derivation.outputs) {
    if (output.from === '.') lines.push('cp -r . $out');
    else {
      const parent = output.to.includes('/') ? output.to.slice(0, output.to.lastIndexOf('/')) : '';
      if (parent) lines.push(`mkdir -p $out/${quote(parent)}`);
      lines.push(`cp -r ${quote(output.from)} $out/${quote(output.to)}`);
    }
  }
  lines.push('runHook postInstall');
  return indented(lines.join('\n'));
}

/** The stage's own commands a language builder replays in one phase, each with its line (and a marker when manual). */
export function replayLines(derivation: DerivationPlan, phase: 'before' | 'after' | 'all'): string[] {
  return derivation.replays
    .filter((r) => phase === 'all' || r.phase === phase)
    .flatMap((r) => [
      r.manual ? `# ${todo(r.line, 'not converted; replayed as written: check that it works offline in the build sandbox')}` : `# Dockerfile line ${r.line}`,
      r.source,
    ]);
}

/** A phase string from shell lines, or null when there are none. */
export function phase(lines: string[]): NixExpr | null {
  return lines.length ? indented(`${lines.join('\n')}\n`) : null;
}

/** The stage's replayed commands around the builder's own build: preBuild and postBuild, each only when it has lines. */
export function replayHooks(derivation: DerivationPlan): Binding[] {
  const before = phase(replayLines(derivation, 'before'));
  const after = phase(replayLines(derivation, 'after'));
  return [...(before ? [bind('preBuild', before)] : []), ...(after ? [bind('postBuild', after)] : [])];
}

/**
 * The install of a JVM build (Maven, Gradle), whose builders install nothing themselves: what later stages copy
 * (their wildcards and outputs), else every JAR of `jars` (the build tool's output folder).
 */
export function jarInstallPhase(
  derivation: DerivationPlan,
  globs: Array<{ line: number; pattern: string; to: string; directory: boolean }>,
  jars: string,
  comment: string,
): Binding {
  const lines = globInstallLines(globs);
  return bind(
    'installPhase',
    lines.length || derivation.outputs.length
      ? installPhase(derivation, lines)
      : indented(`runHook preInstall\nmkdir -p $out\ncp ${jars} $out/\nrunHook postInstall`),
    [comment],
  );
}

/** No build script: the build is the stage's replayed commands, or nothing at all (`dont`). */
export function replayOnlyBuild(derivation: DerivationPlan, dont: string): Binding {
  const lines = replayLines(derivation, 'all');
  if (!lines.length) return bind(dont, bool(true));
  return bind('buildPhase', indented(['runHook preBuild', ...lines, 'runHook postBuild'].join('\n')), [
    "The commands of the stage the builder does not do itself, in the Dockerfile's order.",
  ]);
}

/** Binaries a language builder installed in $out/bin, placed where the Dockerfile also had them. */
export function binaryCopyLines(derivation: DerivationPlan): string[] {
  return derivation.binaryCopies.flatMap((c) => {
    const parent = c.to.includes('/') ? c.to.slice(0, c.to.lastIndexOf('/')) : '';
    return [...(parent ? [`mkdir -p $out/${quote(parent)}`] : []), `cp $out/bin/${quote(c.bin)} $out/${quote(c.to)}`];
  });
}

/** What later stages copy from the build folder, other than the builder's binaries: copied into $out. */
export function extraOutputLines(derivation: DerivationPlan): string[] {
  return derivation.outputs
    .filter((o) => !o.to.startsWith('bin/'))
    .flatMap((o) =>
      o.from === '.'
        ? ['cp -r . $out']
        : [`mkdir -p $out/${quote(o.to.includes('/') ? o.to.slice(0, o.to.lastIndexOf('/')) : '.')}`, `cp -r ${quote(o.from)} $out/${quote(o.to)}`],
    );
}

/**
 * An npm, Yarn or pnpm derivation: what later stages copy is installed, and the source is bound once so the
 * dependency fetcher (importNpmLock, fetchYarnDeps, fetchPnpmDeps) reads the same files the build uses.
 */
export function nodeDerivation(builder: string, input: BuilderInput, bindings: Binding[], prune: string[]): NixExpr {
  const rest = [
    ...bindings.filter((x) => x.path[0] !== 'src'),
    bind('installPhase', installPhase(input.derivation, prune), ['Install what the Dockerfile copies out of this stage.']),
    ...(input.env.length ? [bind('env', attrs(input.env))] : []),
  ];
  return letIn([bind('src', srcExpr(input.derivation))], apply(select(id('pkgs'), builder), attrs(sortBindings([bind('src', id('src')), ...rest]))));
}

/** A wildcard as a shell word: its literal parts quoted, its `*`, `?` and `[...]` left to the shell. */
function globWord(pattern: string): string {
  return pattern
    .split(/(\*|\?|\[[^\]/]*\])/)
    .filter((part) => part !== '')
    .map((part) => (/^(\*|\?|\[[^\]/]*\])$/.test(part) ? part : quote(part)))
    .join('');
}

/** The install lines for the wildcards later stages copy out of a Java build (Maven's and Gradle's JARs). */
export function globInstallLines(globs: Array<{ line: number; pattern: string; to: string; directory: boolean }>): string[] {
  return globs.flatMap((g) => [
    `# Dockerfile line ${g.line}: ${g.directory ? 'every match' : 'the one match (cp fails on several, as Docker does)'}`,
    `mkdir -p $out/${quote(g.directory ? g.to : g.to.slice(0, g.to.lastIndexOf('/')))}`,
    `cp ${globWord(g.pattern)} $out/${quote(g.to)}${g.directory ? '/' : ''}`,
  ]);
}
