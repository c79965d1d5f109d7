/**
 * Build stages become derivations: buildGoModule, rustPlatform.buildRustPackage, buildNpmPackage, or a plain
 * stdenv.mkDerivation that replays the stage's commands. Each knows what later stages copy out of it.
 */
import type { Stage } from '../dockerfile/model.js';
import type { RuleSet } from '../rules/lookup.js';
import type { DecisionLedger } from './decisions.js';
import type { BuildContext } from './context.js';
import { contextPathOf, type StageState } from './stage.js';
import type { BuildPlan, DerivationPlan } from './types.js';
import { compareText } from '../compare.js';
import { relativeTo, unique } from '../ecosystems/build-helpers.js';
import { isRustStage } from '../ecosystems/cargo/build.js';
import type { BuildPart } from '../ecosystems/define.js';
import { BUILDERS } from '../ecosystems/index.js';

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
  /** The destination is a folder that was there before the COPY (FilePlacement.intoExisting). */
  intoExisting?: true;
}

export interface BuiltDerivation {
  plan: DerivationPlan;
  /** Where a copy request finds its file in `$out`, or a reason it cannot. */
  resolve(request: CopyRequest): { path: string } | { problem: string };
  /** What the report must say about lines of the stage (a missing Cargo.lock, git dependencies to hash). */
  problems: Array<{ line: number; status: 'manual' | 'approximated'; message: string }>;
}

/** Whether a stage has build steps a language builder does (npm, go, cargo: the ecosystems with a build). */
export function hasLanguageBuild(state: StageState): boolean {
  return BUILDERS.some((e) => e.build.active(state));
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
  const libraries = installed.filter(
    (attr) =>
      attr.endsWith('.dev') ||
      /^(openssl|zlib|libffi|libpq|sqlite|libxml2|libxslt|libjpeg|libpng|pcre2?|ncurses|readline|gmp|icu|libuuid|libxcrypt)$/.test(attr),
  );
  const tools = installed.filter((attr) => !libraries.includes(attr));
  const env = [...state.env.entries()]
    .filter(
      ([k]) =>
        ![
          'PATH',
          'GOPATH',
          'HOME',
          'CARGO_HOME',
          'RUSTUP_HOME',
          'LANG',
          'NODE_VERSION',
          'YARN_VERSION',
          'PYTHON_VERSION',
          'GPG_KEY',
          'GOLANG_VERSION',
          'GOTOOLCHAIN',
          'RUST_VERSION',
        ].includes(k),
    )
    .sort(([a], [b]) => compareText(a, b));
  const lines = [
    ...new Set([
      ...state.buildLines,
      ...state.contextCopies.map((c) => c.line),
      ...state.unhandled.map((u) => u.line),
      ...state.builtCopies.map((c) => c.line),
    ]),
  ].sort((a, b) => a - b);
  const outputs: DerivationPlan['outputs'] = [];
  const binaryCopies: DerivationPlan['binaryCopies'] = [];
  const problems: BuiltDerivation['problems'] = [];

  let build: BuildPlan;
  let pname = name;
  let version = '0.1.0';
  let resolveSpecial: (request: CopyRequest) => { path: string } | null = () => null;
  /** The binaries a language builder installs in $out/bin, by the path the Dockerfile built them at. */
  let builtBinaries: Array<{ path: string; bin: string }> = [];

  const part = BUILDERS.filter((e) => e.build.active(state)).reduce<BuildPart | null>(
    (found, e) => found ?? e.build.plan(state, { stage, context, rules: scope.rules, decisions: scope.decisions, root: src.root, read, name }),
    null,
  );
  if (part) {
    build = part.build;
    pname = part.pname ?? pname;
    version = part.version ?? version;
    if (part.resolveSpecial) resolveSpecial = (request) => part.resolveSpecial!(request.from, request);
    builtBinaries = part.builtBinaries ?? [];
    problems.push(...(part.problems ?? []));
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
    build.make = [...build.make, ...state.unhandled.filter((u) => !own.has(`${u.line}:${u.source}`)).map((u) => ({ line: u.line, source: u.source }))].sort(
      (x, y) => x.line - y.line,
    );
  }
  // What the replayed commands call must be there: the runtime of the stage's base (go, node, python).
  const runtimes =
    build.kind === 'generic'
      ? Object.values(state.runtimes)
          .filter((r) => r && r.runtime !== 'postgresql')
          .map((r) => r!.attr)
      : [];

  const plan: DerivationPlan = {
    name,
    stage: stage.index,
    pname: sanitizePname(pname),
    version,
    src,
    workdir: state.workdir,
    build,
    // stdenv brings a C compiler and make; language builders bring git-free fetchers.
    nativeBuildInputs: unique([
      ...runtimes,
      ...tools.filter((a) => !/^(gcc|gnumake|git|binutils|curl|wget|ca-certificates|cacert|bashInteractive|coreutils|busybox|dockerTools\..*)$/.test(a)),
    ]),
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
      ...state.builtCopies
        .filter((c) => within(c.to) !== null)
        .flatMap((c) => {
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
    return {
      kind: 'cache',
      message: `${from}: cargo-chef's dependency recipe, for Docker's layer cache; the derivation builds the dependencies from Cargo.lock itself`,
    };
  }
  const product = /^target\/(?:[^/]+\/)?(?:release|debug)\/(?!deps$|build$|incremental$|\.fingerprint$|examples$)[^/]+$/.test(rel ?? '');
  if (cargoStage && !product && (rel === 'target' || rel?.startsWith('target/'))) {
    return {
      kind: 'cache',
      message: `${from}: the dependencies that stage compiled, for Docker's layer cache; the derivation builds them from Cargo.lock itself`,
    };
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

function sanitizePname(name: string): string {
  return name.replace(/[^A-Za-z0-9+._?=-]/g, '-') || 'app';
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
