/**
 * Build stages become derivations: buildGoModule, rustPlatform.buildRustPackage, buildNpmPackage, or a plain
 * stdenv.mkDerivation that replays the stage's commands. Each knows what later stages copy out of it.
 */
import { parseToml } from './toml.js';
import type { Stage } from '../dockerfile/model.js';
import { resolvePath } from '../container-path.js';
import { chooseRuntime, type RuleSet } from '../rules/load.js';
import type { DecisionLedger } from './decisions.js';
import type { BuildContext } from './context.js';
import { NPM_PRODUCTION } from './commands/run.js';
import type { StageState } from './stage.js';
import type { BuildPlan, DerivationPlan } from './types.js';
import { compareText } from '../compare.js';

export interface CopyRequest {
  /** Stage copied from. */
  stage: number;
  /** Stage copied into. */
  into: number;
  line: number;
  /** Absolute path in the source stage. */
  from: string;
  /** Absolute path in the destination (file, or directory whose contents are merged). */
  dest: string;
  trailingSlash: boolean;
  owner: string | null;
  mode: string | null;
}

export interface BuiltDerivation {
  plan: DerivationPlan;
  /** Where a copy request finds its file in `$out`, or a reason it cannot. */
  resolve(request: CopyRequest): { path: string } | { problem: string };
}

const RESERVED = new Set(['pkgs', 'lib', 'context', 'image', 'python', 'if', 'then', 'else', 'let', 'in', 'with', 'rec', 'inherit', 'assert', 'or', 'import', 'builtins', 'src', 'placeFiles']);

export function derivationName(stage: Stage | { name: string | null; index: number }): string {
  const base = (stage.name ?? `stage${stage.index}`).replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[^A-Za-z_]+/, '');
  const camel = base.replace(/-([a-z0-9])/gi, (_, c: string) => c.toUpperCase()) || `stage${stage.index}`;
  return RESERVED.has(camel) ? `${camel}Stage` : camel;
}

export function buildDerivation(
  state: StageState,
  stage: Stage,
  requests: CopyRequest[],
  scope: { context: BuildContext; rules: RuleSet; decisions?: DecisionLedger },
  name = derivationName(stage),
): BuiltDerivation | null {
  const { context } = scope;
  const src = sourceOf(state);
  const read = (file: string) => context.readText(src.root ? `${src.root}/${file}` : file);
  // Everything the stage installed was there while it built, including what it removed afterwards.
  const installed = [...state.packages.keys()].sort();
  const libraries = installed.filter((attr) => attr.endsWith('.dev') || /^(openssl|zlib|libffi|libpq|sqlite|libxml2|libxslt|libjpeg|libpng|pcre2?|ncurses|readline|gmp|icu|libuuid|libxcrypt)$/.test(attr));
  const tools = installed.filter((attr) => !libraries.includes(attr));
  const env = [...state.env.entries()].filter(([k]) => !['PATH', 'GOPATH', 'HOME', 'CARGO_HOME', 'RUSTUP_HOME', 'LANG', 'NODE_VERSION', 'YARN_VERSION', 'PYTHON_VERSION', 'GPG_KEY', 'GOLANG_VERSION', 'GOTOOLCHAIN', 'RUST_VERSION'].includes(k)).sort(([a], [b]) => compareText(a, b));
  const lines = [...new Set([...state.buildLines, ...state.contextCopies.map((c) => c.line)])].sort((a, b) => a - b);
  const outputs: DerivationPlan['outputs'] = [];

  let build: BuildPlan;
  let pname = name;
  let version = '0.1.0';
  let resolveSpecial: (request: CopyRequest) => { path: string } | null = () => null;

  if (state.go.length) {
    const goMod = read('go.mod');
    const module = goMod ? /^module\s+(\S+)/m.exec(goMod)?.[1] ?? null : null;
    const hasRequires = goMod ? /^require\b/m.test(goMod) : true;
    const vendored = context.kind(src.root ? `${src.root}/vendor` : 'vendor') === 'dir';
    // The tag's Go version wins; without one (golang:alpine, latest), go.mod's `go` line chooses.
    const goLine = goMod ? /^go\s+(\d+\.\d+)/m.exec(goMod)?.[1] : undefined;
    const runtime = state.runtimes.go?.requested || !goLine ? state.runtimes.go : chooseRuntime(scope.rules, 'go', goLine);
    const binaries: Array<{ installed: string; wanted: string }> = [];
    const subPackages: string[] = [];
    for (const step of state.go) {
      for (const pkg of step.packages) {
        const rel = relativeTo(state.workdir, resolvePath(step.cwd, pkg));
        const sub = rel === null || rel === '' ? '.' : rel;
        if (!subPackages.includes(sub)) subPackages.push(sub);
        const installed = sub === '.' ? moduleBinary(module) ?? pname : sub.split('/').pop()!;
        const wanted = step.output ? step.output.split('/').pop()! : installed;
        binaries.push({ installed, wanted });
      }
    }
    if (module) pname = moduleBinary(module) ?? pname;
    build = {
      kind: 'go',
      builder: runtime?.builder ?? 'buildGoModule',
      subPackages,
      ldflags: unique(state.go.flatMap((s) => s.ldflags)),
      tags: unique(state.go.flatMap((s) => s.tags)),
      cgo: state.go.some((s) => s.cgo === false) ? false : state.go.some((s) => s.cgo === true) ? true : null,
      vendorHash: vendored || !hasRequires ? null : 'unknown',
      binaries,
    };
    resolveSpecial = (request) => {
      const step = state.go.find((s) => s.output === request.from);
      if (step) return { path: `bin/${step.output!.split('/').pop()}` };
      const gopathBin = /^\/go\/bin\/([^/]+)$/.exec(request.from);
      if (gopathBin) return { path: `bin/${gopathBin[1]}` };
      return null;
    };
  } else if (state.cargo.length) {
    const manifest = read('Cargo.toml');
    let crate: { name?: string; version?: string; bins: string[] } = { bins: [] };
    if (manifest) {
      try {
        const toml = parseToml(manifest) as { package?: { name?: string; version?: string }; bin?: Array<{ name?: string }> };
        crate = { name: toml.package?.name, version: typeof toml.package?.version === 'string' ? toml.package.version : undefined, bins: (toml.bin ?? []).map((b) => b.name).filter((n): n is string => Boolean(n)) };
      } catch {
        // Reported below as a missing manifest.
      }
    }
    pname = crate.name ?? pname;
    version = crate.version ?? version;
    build = {
      kind: 'rust',
      lockFile: src.root ? `${src.root}/Cargo.lock` : 'Cargo.lock',
      binaries: unique([...state.cargo.flatMap((s) => s.bins), ...(crate.bins.length ? crate.bins : crate.name ? [crate.name] : [])]),
      features: unique(state.cargo.flatMap((s) => s.features)),
      noDefaultFeatures: state.cargo.some((s) => s.noDefaultFeatures),
    };
    resolveSpecial = (request) => {
      const m = /\/target\/(?:[^/]+\/)?(?:release|debug)\/([^/]+)$/.exec(request.from) ?? /\/(?:usr\/local\/cargo|root\/\.cargo)\/bin\/([^/]+)$/.exec(request.from);
      return m ? { path: `bin/${m[1]}` } : null;
    };
  } else if (state.npm.length && scope.decisions?.build(stage) !== 'generic') {
    const pkg = read('package.json');
    let meta: { name?: string; version?: string } = {};
    try {
      meta = pkg ? (JSON.parse(pkg) as typeof meta) : {};
    } catch {
      meta = {};
    }
    pname = meta.name ? meta.name.replace(/^@/, '').replace(/\//g, '-') : pname;
    version = meta.version ?? version;
    // The manager that installed the dependencies builds the stage (Yarn 1 and pnpm steps are only recorded with a lock file).
    const manager = state.npm.find((s) => s.action !== 'run')?.manager ?? state.npm[0]!.manager;
    const lockFile = manager === 'yarn' ? 'yarn.lock' : manager === 'pnpm' ? 'pnpm-lock.yaml' : (['package-lock.json', 'npm-shrinkwrap.json'].find((f) => read(f) !== null) ?? null);
    const runs = state.npm.filter((s) => s.action === 'run');
    // importNpmLock needs the lock file; an answer can ask for one fixed-output download instead.
    const dependencies =
      manager === 'yarn' ? 'fetchYarnDeps' : manager === 'pnpm' ? 'fetchPnpmDeps' : lockFile && scope.decisions?.build(stage) !== 'npmDepsHash' ? 'importNpmLock' : 'npmDepsHash';
    build = {
      kind: 'npm',
      manager,
      dependencies,
      nodejs: state.runtimes.nodejs?.attr ?? 'nodejs',
      buildScript: runs.length ? runs[runs.length - 1]!.script! : null,
      lockFile,
      // Not the ones that leave dev dependencies out: the build needs them, and the prune above drops them after it.
      npmFlags: unique(state.npm.flatMap((s) => s.flags).filter((f) => f !== '--silent' && f !== '--quiet' && !NPM_PRODUCTION.without.test(f))),
      // Where the Dockerfile's last install (or prune) left dev dependencies out (run.ts): npm prunes after the
      // build, Yarn before it (emit.ts). An install after a prune brings them back.
      omitDev: [...state.npm].reverse().find((s) => s.action !== 'run')?.production === true,
    };
  } else {
    build = { kind: 'generic', commands: state.unhandled.map((u) => ({ line: u.line, source: u.source })) };
  }

  const plan: DerivationPlan = {
    name,
    stage: stage.index,
    pname: sanitizePname(pname),
    version,
    src,
    workdir: state.workdir,
    build,
    // stdenv brings a C compiler and make; language builders bring git-free fetchers.
    nativeBuildInputs: tools.filter((a) => !/^(gcc|gnumake|git|binutils|curl|wget|ca-certificates|cacert|bashInteractive|coreutils|busybox|dockerTools\..*)$/.test(a)),
    buildInputs: libraries,
    env,
    outputs,
    lines,
  };

  const resolve = (request: CopyRequest): { path: string } | { problem: string } => {
    const special = resolveSpecial(request);
    if (special) return special;
    const rel = relativeTo(state.workdir, request.from);
    if (rel === null) {
      return { problem: `${request.from} is outside the stage's working directory ${state.workdir}; add it to the derivation's installPhase by hand` };
    }
    const to = rel === '' ? '.' : rel;
    if (!outputs.some((o) => o.from === to)) outputs.push({ from: to, to, directory: request.trailingSlash });
    return { path: to };
  };
  for (const request of requests) resolve(request);
  return { plan, resolve };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function sanitizePname(name: string): string {
  return name.replace(/[^A-Za-z0-9+._?=-]/g, '-') || 'app';
}

function moduleBinary(module: string | null): string | null {
  if (!module) return null;
  const parts = module.split('/');
  const last = parts[parts.length - 1]!;
  return /^v\d+$/.test(last) && parts.length > 1 ? parts[parts.length - 2]! : last;
}

/** Path of `path` below `dir`, '' for the directory itself, null when outside. */
export function relativeTo(dir: string, path: string): string | null {
  const base = dir.replace(/\/$/, '');
  if (path === base || path === `${base}/`) return '';
  if (base === '') return path.replace(/^\//, '');
  return path.startsWith(`${base}/`) ? path.slice(base.length + 1).replace(/\/$/, '') : null;
}

/**
 * The derivation's source: the context files the stage copied, laid out as the stage sees them below its
 * working directory. When all copies keep the context's layout the root is the context (or a folder of it).
 */
function sourceOf(state: StageState): DerivationPlan['src'] {
  const prefixes = new Set<string>();
  const include: string[] = [];
  let all = false;
  for (const copy of state.contextCopies) {
    const destRel = relativeTo(state.workdir, copy.dest);
    if (destRel === null) continue;
    let prefix: string | null = null;
    if (destRel === '') prefix = copy.directory ? copy.source : null;
    else if (copy.source === destRel) prefix = '';
    else if (copy.source.endsWith(`/${destRel}`)) prefix = copy.source.slice(0, -destRel.length - 1);
    if (prefix === null) prefix = '';
    prefixes.add(prefix);
    if (copy.directory && copy.source === prefix) all = true;
    else include.push(prefix ? copy.source.slice(prefix.length + 1) : copy.source);
  }
  const root = prefixes.size === 1 ? [...prefixes][0]! : '';
  return { root, include: all ? 'all' : [...new Set(include)].sort() };
}
