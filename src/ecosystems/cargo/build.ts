/** A Rust stage's derivation: rustPlatform.buildRustPackage with cargoLock from the crate's (or workspace's) Cargo.lock. */
import { parseToml } from '../../convert/toml.js';
import type { StageState } from '../../convert/stage.js';
import type { BuildPlan } from '../../convert/types.js';
import { compareText } from '../../compare.js';
import { relativeTo, unique } from '../build-helpers.js';
import type { BuildInput, BuildPart } from '../define.js';

export function planCargo(state: StageState, input: BuildInput): BuildPart {
  const { context, root } = input;
  let pname = input.name;
  const problems: NonNullable<BuildPart['problems']> = [];
  const last = state.cargo[state.cargo.length - 1]!;
  // The crate the build ran in: --manifest-path's folder, or the folder cargo ran in, below the working directory.
  const crateImageDir = last.manifestPath ? last.manifestPath.replace(/\/[^/]*$/, '') || '/' : last.cwd;
  const crateDir = relativeTo(state.workdir, crateImageDir) ?? '';
  const inRoot = (rel: string) => [root, rel].filter(Boolean).join('/');
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
      if (memberManifest?.package && memberManifest.package.name === packages[0])
        crate = { name: memberManifest.package.name, version: memberManifest.package.version, bins: memberManifest.bin ?? [] };
    }
  }
  pname = crate?.name ?? packages[0] ?? pname;
  const version = typeof crate?.version === 'string' ? crate.version : undefined;
  const lockFile = lockDir === null ? null : inRoot(lockDir ? `${lockDir}/Cargo.lock` : 'Cargo.lock');
  const gitDependencies = lockFile ? cargoGitSources(context.readText(lockFile) ?? '') : [];
  const cargoBuildFlags = unique(state.cargo.flatMap((s) => [...s.packages.map((p) => `-p ${p}`), ...s.bins.map((b) => `--bin ${b}`)])).flatMap((f) =>
    f.split(' '),
  );
  const crateBins = (crate?.bins ?? []).map((b) => b.name).filter((n): n is string => typeof n === 'string');
  const build: BuildPlan = {
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
    problems.push({
      line: last.line,
      status: 'manual',
      message: `there is no Cargo.lock in the build context${crateDir ? ` for ${crateDir}` : ''}: run cargo generate-lockfile, commit Cargo.lock and use it as cargoLock.lockFile (until then the derivation has a cargoHash to fill in)`,
    });
  } else if (gitDependencies.length) {
    problems.push({
      line: last.line,
      status: 'approximated',
      message: `Cargo.lock has git dependencies (${gitDependencies.map((g) => g.key).join(', ')}): build once and paste each hash Nix prints into cargoLock.outputHashes`,
    });
  }
  const cargoBinary = (path: string) =>
    /\/target\/(?:[^/]+\/)?(?:release|debug)\/([^/]+)$/.exec(path) ?? /\/(?:usr\/local\/cargo|root\/\.cargo)\/bin\/([^/]+)$/.exec(path);
  const builtBinaries = state.builtCopies.filter((c) => cargoBinary(c.from)).map((c) => ({ path: c.from, bin: cargoBinary(c.from)![1]! }));
  const resolveSpecial = (from: string) => {
    const m = cargoBinary(from);
    return m ? { path: `bin/${m[1]}` } : null;
  };
  return { build, pname, version, builtBinaries, resolveSpecial, problems };
}

/** A stage of Rust's toolchain images (rust, cargo-chef), or one that copied a Cargo.toml from the context. */
export function isRustStage(state: StageState): boolean {
  return (
    /(^|\/)(rust|cargo-chef)$/.test(state.base.name) || [...state.contextFiles.values()].some((f) => /(^|\/)Cargo\.toml$/.test(f)) || state.cargo.length > 0
  );
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
