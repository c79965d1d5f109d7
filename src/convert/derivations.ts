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
import { contextPathOf } from './commands/python-projects.js';

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
  /** What the report must say about lines of the stage (a missing Cargo.lock, git dependencies to hash). */
  problems: Array<{ line: number; status: 'manual' | 'approximated'; message: string }>;
}

export function buildDerivation(
  state: StageState,
  stage: Stage,
  requests: CopyRequest[],
  scope: { context: BuildContext; rules: RuleSet; decisions?: DecisionLedger },
  name: string,
): BuiltDerivation | null {
  const { context } = scope;
  const src = sourceOf(state);
  const read = (file: string) => context.readText(src.root ? `${src.root}/${file}` : file);
  // Everything the stage installed was there while it built, including what it removed afterwards.
  const installed = [...state.packages.keys()].sort();
  const libraries = installed.filter((attr) => attr.endsWith('.dev') || /^(openssl|zlib|libffi|libpq|sqlite|libxml2|libxslt|libjpeg|libpng|pcre2?|ncurses|readline|gmp|icu|libuuid|libxcrypt)$/.test(attr));
  const tools = installed.filter((attr) => !libraries.includes(attr));
  const env = [...state.env.entries()].filter(([k]) => !['PATH', 'GOPATH', 'HOME', 'CARGO_HOME', 'RUSTUP_HOME', 'LANG', 'NODE_VERSION', 'YARN_VERSION', 'PYTHON_VERSION', 'GPG_KEY', 'GOLANG_VERSION', 'GOTOOLCHAIN', 'RUST_VERSION'].includes(k)).sort(([a], [b]) => compareText(a, b));
  const lines = [...new Set([...state.buildLines, ...state.contextCopies.map((c) => c.line), ...state.unhandled.map((u) => u.line), ...state.builtCopies.map((c) => c.line)])].sort((a, b) => a - b);
  const outputs: DerivationPlan['outputs'] = [];
  const binaryCopies: DerivationPlan['binaryCopies'] = [];
  const problems: BuiltDerivation['problems'] = [];

  let build: BuildPlan;
  let pname = name;
  let version = '0.1.0';
  let resolveSpecial: (request: CopyRequest) => { path: string } | null = () => null;
  /** The binaries a language builder installs in $out/bin, by the path the Dockerfile built them at. */
  let builtBinaries: Array<{ path: string; bin: string }> = [];

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
    const goBuilds = state.go.filter((step) => step.make === undefined);
    for (const step of goBuilds) {
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
    const make = state.go.filter((step) => step.make !== undefined).map((step) => ({ line: step.line, source: step.make! }));
    build = {
      kind: 'go',
      builder: runtime?.builder ?? 'buildGoModule',
      subPackages,
      ldflags: unique(goBuilds.flatMap((s) => s.ldflags)),
      tags: unique(goBuilds.flatMap((s) => s.tags)),
      cgo: state.go.some((s) => s.cgo === false) ? false : state.go.some((s) => s.cgo === true) ? true : null,
      vendorHash: vendored || !hasRequires ? null : 'unknown',
      binaries,
      make,
      line: state.go[0]!.line,
    };
    if (!make.length) {
      builtBinaries = goBuilds.filter((s) => s.output).map((s) => ({ path: s.output!, bin: s.output!.split('/').pop()! }));
      resolveSpecial = (request) => {
        const step = goBuilds.find((s) => s.output === request.from);
        if (step) return { path: `bin/${step.output!.split('/').pop()}` };
        const gopathBin = /^\/go\/bin\/([^/]+)$/.exec(request.from);
        if (gopathBin) return { path: `bin/${gopathBin[1]}` };
        return null;
      };
    }
  } else if (state.cargo.length) {
    const last = state.cargo[state.cargo.length - 1]!;
    // The crate the build ran in: --manifest-path's folder, or the folder cargo ran in, below the working directory.
    const crateImageDir = last.manifestPath ? last.manifestPath.replace(/\/[^/]*$/, '') || '/' : last.cwd;
    const crateDir = relativeTo(state.workdir, crateImageDir) ?? '';
    const inRoot = (rel: string) => [src.root, rel].filter(Boolean).join('/');
    const readToml = (rel: string): CargoManifest | null => {
      const text = context.readText(inRoot(rel));
      if (text === null) return null;
      try {
        return parseToml(text) as CargoManifest;
      } catch {
        return null;
      }
    };
    // Cargo.lock is the workspace's: in the crate's folder or the nearest folder above it.
    const dirs = crateDir ? crateDir.split('/').map((_, i, parts) => parts.slice(0, parts.length - i).join('/')) : [];
    const lockDir = [...dirs, ''].find((dir) => context.kind(inRoot(dir ? `${dir}/Cargo.lock` : 'Cargo.lock')) === 'file') ?? null;
    const manifest = readToml(crateDir ? `${crateDir}/Cargo.toml` : 'Cargo.toml');
    const packages = unique(state.cargo.flatMap((s) => s.packages));
    // A workspace: the member the Dockerfile named with -p gives the name and version.
    let crate = manifest?.package ? { name: manifest.package.name, version: manifest.package.version, bins: manifest.bin ?? [] } : null;
    if (packages.length === 1 && manifest?.workspace?.members) {
      for (const member of manifest.workspace.members.filter((m) => !/[*?[]/.test(m))) {
        const memberDir = [crateDir, member.replace(/\/$/, '')].filter(Boolean).join('/');
        const memberManifest = readToml(`${memberDir}/Cargo.toml`);
        if (memberManifest?.package && memberManifest.package.name === packages[0]) crate = { name: memberManifest.package.name, version: memberManifest.package.version, bins: memberManifest.bin ?? [] };
      }
    }
    pname = crate?.name ?? packages[0] ?? pname;
    version = typeof crate?.version === 'string' ? crate.version : version;
    const lockFile = lockDir === null ? null : inRoot(lockDir ? `${lockDir}/Cargo.lock` : 'Cargo.lock');
    const gitDependencies = lockFile ? cargoGitSources(context.readText(lockFile) ?? '') : [];
    const cargoBuildFlags = unique(state.cargo.flatMap((s) => [...s.packages.map((p) => `-p ${p}`), ...s.bins.map((b) => `--bin ${b}`)])).flatMap((f) => f.split(' '));
    const crateBins = (crate?.bins ?? []).map((b) => b.name).filter((n): n is string => typeof n === 'string');
    build = {
      kind: 'rust',
      lockFile,
      cargoRoot: lockDir || null,
      buildAndTestSubdir: crateDir && crateDir !== lockDir ? crateDir : null,
      binaries: unique([...state.cargo.flatMap((s) => s.bins), ...(crateBins.length ? crateBins : crate?.name ? [crate.name] : [])]),
      features: unique(state.cargo.flatMap((s) => s.features)),
      noDefaultFeatures: state.cargo.some((s) => s.noDefaultFeatures),
      cargoBuildFlags,
      gitDependencies,
      line: last.line,
    };
    if (lockFile === null) {
      problems.push({ line: last.line, status: 'manual', message: `there is no Cargo.lock in the build context${crateDir ? ` for ${crateDir}` : ''}: run cargo generate-lockfile, commit Cargo.lock and use it as cargoLock.lockFile (until then the derivation has a cargoHash to fill in)` });
    } else if (gitDependencies.length) {
      problems.push({ line: last.line, status: 'approximated', message: `Cargo.lock has git dependencies (${gitDependencies.map((g) => g.key).join(', ')}): build once and paste each hash Nix prints into cargoLock.outputHashes` });
    }
    const cargoBinary = (path: string) => /\/target\/(?:[^/]+\/)?(?:release|debug)\/([^/]+)$/.exec(path) ?? /\/(?:usr\/local\/cargo|root\/\.cargo)\/bin\/([^/]+)$/.exec(path);
    builtBinaries = state.builtCopies.filter((c) => cargoBinary(c.from)).map((c) => ({ path: c.from, bin: cargoBinary(c.from)![1]! }));
    resolveSpecial = (request) => {
      const m = cargoBinary(request.from);
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
      line: (state.npm.find((s) => s.action !== 'run') ?? state.npm[0]!).line,
    };
  } else {
    build = { kind: 'generic', commands: state.unhandled.map((u) => ({ line: u.line, source: u.source })) };
  }

  // A language builder does its own install and build; the stage's other commands are replayed around it.
  const replays: DerivationPlan['replays'] =
    build.kind === 'generic' || (build.kind === 'go' && build.make.length)
      ? []
      : state.unhandled.map((u) => ({ line: u.line, source: u.source, phase: (u.after ?? 0) > 0 ? 'after' : 'before', manual: !u.replayed }));
  if (build.kind === 'go' && build.make.length) {
    // The Makefile target is the build: the other commands run in it, in the Dockerfile's order.
    const own = new Set(build.make.map((m) => `${m.line}:${m.source}`));
    build.make = [...build.make, ...state.unhandled.filter((u) => !own.has(`${u.line}:${u.source}`)).map((u) => ({ line: u.line, source: u.source }))].sort((x, y) => x.line - y.line);
  }
  // What the replayed commands call must be there: the runtime of the stage's base (go, node, python).
  const runtimes = build.kind === 'generic' ? Object.values(state.runtimes).filter((r) => r && r.runtime !== 'postgresql').map((r) => r!.attr) : [];

  const plan: DerivationPlan = {
    name,
    stage: stage.index,
    pname: sanitizePname(pname),
    version,
    src,
    workdir: state.workdir,
    build,
    // stdenv brings a C compiler and make; language builders bring git-free fetchers.
    nativeBuildInputs: unique([...runtimes, ...tools.filter((a) => !/^(gcc|gnumake|git|binutils|curl|wget|ca-certificates|cacert|bashInteractive|coreutils|busybox|dockerTools\..*)$/.test(a))]),
    buildInputs: libraries,
    env,
    outputs,
    binaryCopies,
    replays,
    lines,
  };

  const resolve = (request: CopyRequest): { path: string } | { problem: string } => {
    // A build output a command copied elsewhere (cp target/release/x /out/): found where it was built.
    const copied = state.builtCopies.find((c) => c.to === request.from.replace(/\/$/, ''));
    const special = (copied && resolveSpecial({ ...request, from: copied.from })) || resolveSpecial(request);
    if (special) return special;
    const rel = relativeTo(state.workdir, request.from);
    // A folder the build's binaries were copied into, or built into: they go there in $out too.
    const within = (path: string) => {
      const r = relativeTo(request.from, path);
      return r === null || r === '' ? null : r;
    };
    const base = rel === null ? request.from.replace(/^\/+|\/+$/g, '') : rel === '' ? '.' : rel;
    const binaries = [
      ...state.builtCopies.filter((c) => within(c.to) !== null).flatMap((c) => {
        const r = resolveSpecial({ ...request, from: c.from });
        return r && r.path.startsWith('bin/') ? [{ bin: r.path.slice(4), at: within(c.to)! }] : [];
      }),
      ...builtBinaries.filter((b) => within(b.path) !== null).map((b) => ({ bin: b.bin, at: within(b.path)! })),
    ];
    for (const b of binaries) {
      const to = base === '.' ? b.at : `${base}/${b.at}`;
      if (!binaryCopies.some((c) => c.to === to)) binaryCopies.push({ bin: b.bin, to });
    }
    if (rel === null) {
      if (binaries.length) return { path: base };
      return { problem: `${request.from} is outside the stage's working directory ${state.workdir}; add it to the derivation's installPhase by hand` };
    }
    const to = rel === '' ? '.' : rel;
    if (!outputs.some((o) => o.from === to)) outputs.push({ from: to, to, directory: request.trailingSlash });
    return { path: to };
  };
  for (const request of requests) resolve(request);
  return { plan, resolve, problems };
}

/**
 * `COPY --from=<build stage>` into another build stage, for what is not that stage's product: Docker's dependency
 * caches (cargo-chef's recipe, a target/ folder of compiled dependencies, Go's module and build caches), which Nix
 * replaces by building the dependencies in the derivation, and context files the other stage only passed on.
 */
export function stageCacheCopy(
  from: string,
  source: StageState,
  context: BuildContext,
): { kind: 'cache'; message: string } | { kind: 'context'; path: string; directory: boolean } | null {
  const rel = relativeTo(source.workdir, from);
  const cargoStage = source.cargo.length > 0 || isRustStage(source);
  if (cargoStage && /(^|\/)recipe\.json$/.test(from) && (contextPathOf(source, from) === null || context.kind(contextPathOf(source, from)!) === null)) {
    return { kind: 'cache', message: `${from}: cargo-chef's dependency recipe, for Docker's layer cache; the derivation builds the dependencies from Cargo.lock itself` };
  }
  const product = /^target\/(?:[^/]+\/)?(?:release|debug)\/(?!deps$|build$|incremental$|\.fingerprint$|examples$)[^/]+$/.test(rel ?? '');
  if (cargoStage && !product && (rel === 'target' || rel?.startsWith('target/'))) {
    return { kind: 'cache', message: `${from}: the dependencies that stage compiled, for Docker's layer cache; the derivation builds them from Cargo.lock itself` };
  }
  if (/^\/(go\/pkg\/mod|root\/\.cache\/go-build)(\/|$)/.test(from)) {
    return { kind: 'cache', message: `${from}: Go's module or build cache; the derivation downloads the modules itself (vendorHash)` };
  }
  const contextPath = contextPathOf(source, from);
  // What the build writes (target/, dist/...) is the stage's product even where the context has a folder of that name.
  if (contextPath === null || /(^|\/)(target|dist|build|out|bin|\.next|node_modules)(\/|$)/.test(rel ?? from)) return null;
  const kind = context.kind(contextPath);
  return kind === null ? null : { kind: 'context', path: contextPath, directory: kind === 'dir' };
}

/** A stage of Rust's toolchain images (rust, cargo-chef), or one that copied a Cargo.toml from the context. */
export function isRustStage(state: StageState): boolean {
  return /(^|\/)(rust|cargo-chef)$/.test(state.base.name) || [...state.contextFiles.values()].some((f) => /(^|\/)Cargo\.toml$/.test(f)) || state.cargo.length > 0;
}

interface CargoManifest {
  package?: { name?: string; version?: unknown };
  bin?: Array<{ name?: string }>;
  workspace?: { members?: string[] };
}

/**
 * The git sources of a Cargo.lock, one per commit (importCargoLock keys its hashes by commit, and takes any one
 * `name-version` of the packages that commit provides), sorted.
 */
export function cargoGitSources(lock: string): Array<{ key: string; url: string }> {
  let parsed: { package?: Array<{ name?: string; version?: string; source?: string }> };
  try {
    parsed = parseToml(lock) as typeof parsed;
  } catch {
    return [];
  }
  const byCommit = new Map<string, { key: string; url: string }>();
  const packages = (parsed.package ?? []).filter((p) => typeof p.source === 'string' && p.source.startsWith('git+') && p.name && p.version);
  for (const pkg of packages.sort((x, y) => compareText(`${x.name}-${x.version}`, `${y.name}-${y.version}`))) {
    const m = /^git\+([^?#]+)(?:\?[^#]*)?#([0-9a-f]+)$/.exec(pkg.source!);
    const commit = m?.[2] ?? pkg.source!;
    if (!byCommit.has(commit)) byCommit.set(commit, { key: `${pkg.name}-${pkg.version}`, url: m?.[1] ?? pkg.source!.slice(4) });
  }
  return [...byCommit.values()].sort((x, y) => compareText(x.key, y.key));
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
