/** A stage's starting state: its parent stage's, or what the base image provides according to the tables. */
import type { Stage } from '../dockerfile/model.js';
import { chooseRuntime, lookupBaseImage, type RuleSet } from '../rules/lookup.js';
import { cloneStage, emptyConfig, type StageState } from './stage.js';

/** Attributes that put /bin/sh in the image root. */
export const SHELL_PROVIDERS = new Set(['busybox', 'dockerTools.binSh', 'bashInteractive.binSh']);

/**
 * How a stage's base is treated. `inImage`: the stage is the target or one the target starts FROM. `keepBase`
 * (--keep-base): the image's base is pulled as it is even when the tables map it to Nix packages.
 */
export interface StartOptions {
  inImage: boolean;
  keepBase: boolean;
}

export function startStage(
  stage: Stage,
  states: Map<number, StageState>,
  rules: RuleSet,
  options: StartOptions = { inImage: true, keepBase: false },
): StageState {
  if (stage.parentStage !== null) {
    const parent = states.get(stage.parentStage);
    if (parent) return { ...cloneStage(parent, stage.index, stage.name), inImage: options.inImage };
  }
  const base = lookupBaseImage(rules, stage.from);
  // The image's base stays a pulled image when no table maps it (a partial migration), or when --keep-base asks.
  const keep = options.inImage && base.image?.kind !== 'empty' && (!base.image || options.keepBase);
  const kept: StageState['kept'] = keep
    ? {
        plan: {
          line: stage.instructions[0]!.line,
          imageName: base.name,
          tag: base.tag ?? 'latest',
          digest: base.digest && /^sha256:[0-9a-f]{64}$/.test(base.digest) ? base.digest : null,
          why: base.image ? 'keep-base' : 'unknown',
        },
        attrs: [],
        users: [],
      }
    : null;
  const state: StageState = {
    index: stage.index,
    name: stage.name,
    base,
    baseKind: base.image?.kind ?? 'unknown',
    runtimes: {},
    packages: new Map(),
    virtualGroups: new Map(),
    removed: new Set(),
    pythonPackages: new Set(),
    pythonEnvPaths: new Map(),
    packageReports: [],
    users: new Map(),
    groups: new Map(),
    env: new Map(),
    workdir: '/',
    user: null,
    shell: ['/bin/sh', '-c'],
    // What matters is whether the Nix image has /bin/sh, not whether the Docker base had one.
    hasShell: (base.image?.attrs ?? []).some((attr) => SHELL_PROVIDERS.has(attr)),
    files: [],
    directories: new Map(),
    symlinks: new Map(),
    pathChanges: [],
    stageCopyDests: [],
    writtenFiles: new Set(),
    contextCopies: [],
    contextFiles: new Map(),
    npm: [],
    go: [],
    cargo: [],
    dotnet: [],
    maven: [],
    bundler: [],
    mix: [],
    gradle: [],
    composer: [],
    phpExtensions: [],
    unhandled: [],
    builtCopies: [],
    buildLines: [],
    config: emptyConfig(),
    needs: { caCertificates: false, tzdata: false, binSh: false, usrBinEnv: false, tmp: base.image ? base.image.kind !== 'empty' : true },
    needReasons: [],
    kept,
    inImage: options.inImage,
  };
  const image = base.image;
  // An unknown base is taken to have /bin/sh (the FROM report says so); nothing else of it is known.
  if (!image) return { ...state, hasShell: kept !== null };
  for (const attr of image.attrs) {
    if (attr === 'dockerTools.caCertificates') state.needs.caCertificates = true;
    else state.packages.set(attr, 'runtime');
  }
  // Tag parts such as distroless's `nonroot` and `debug` add to what the image provides.
  const variants = (base.tag ?? '')
    .toLowerCase()
    .split('-')
    .flatMap((part) => (image.variants && Object.hasOwn(image.variants, part) ? [image.variants[part]!] : []));
  const runtimeName = variants.find((v) => v.runtime)?.runtime ?? image.runtime;
  if (runtimeName) {
    // A tag part that names the runtime's version (`python3.12-bookworm` of the uv images) picks it.
    const named = image.runtimeTagPrefix
      ? (base.tag ?? '').split('-').find((part) => part.startsWith(image.runtimeTagPrefix!) && /^\d/.test(part.slice(image.runtimeTagPrefix!.length)))
      : undefined;
    const choice = chooseRuntime(rules, runtimeName, image.runtimeVersion ?? (named ? named.slice(image.runtimeTagPrefix!.length) : base.tag));
    // The Java tables (java-temurin, java-openjdk...) are one runtime for the rest of the converter: the image's Java.
    state.runtimes[runtimeName.startsWith('java-') ? 'java' : runtimeName] = choice;
    // A runtime the image runs its program with (the .NET runtimes' bin/dotnet) is part of the image root.
    if (runtimeName === 'postgresql' || (image.kind === 'runtime' && runtimeName.startsWith('dotnet-'))) state.packages.set(choice.attr, 'runtime');
  }
  if (image.kind === 'os' || image.kind === 'runtime') {
    state.needs.caCertificates = true;
    state.needs.usrBinEnv = true;
  }
  let config = image.config ?? {};
  for (const variant of variants) {
    for (const attr of variant.attrs ?? []) state.packages.set(attr, 'runtime');
    if (variant.shell || (variant.attrs ?? []).some((attr) => SHELL_PROVIDERS.has(attr))) state.hasShell = true;
    config = { ...config, ...variant.config, Env: { ...config.Env, ...variant.config?.Env } };
  }
  for (const [name, value] of Object.entries(config.Env ?? {})) state.env.set(name, value);
  // The image's JAVA_HOME (eclipse-temurin's /opt/java/openjdk) is a link to the chosen JDK's home.
  const java = state.runtimes.java;
  if (java && config.Env?.JAVA_HOME) {
    state.symlinks.set(config.Env.JAVA_HOME, { path: config.Env.JAVA_HOME, target: { kind: 'package', attr: java.attr, subpath: javaHomeSubpath(java.attr) } });
  }
  if (config.User) state.user = config.User;
  state.config.User = config.User ?? null;
  state.config.Cmd = config.Cmd ?? null;
  state.config.Entrypoint = config.Entrypoint ?? null;
  state.config.ExposedPorts = [...(config.ExposedPorts ?? [])];
  state.config.Volumes = [...(config.Volumes ?? [])];
  state.config.StopSignal = config.StopSignal ?? null;
  if (config.WorkingDir) {
    state.workdir = config.WorkingDir;
    state.config.WorkingDir = config.WorkingDir;
    state.directories.set(config.WorkingDir, { path: config.WorkingDir, mode: null, owner: null });
  }
  for (const dir of image.directories ?? []) {
    const entry = typeof dir === 'string' ? { path: dir } : dir;
    state.directories.set(entry.path, { path: entry.path, mode: entry.mode ?? null, owner: entry.owner ?? null });
  }
  // A kept base has its own packages: they stay known to the stage (for what builds on them) but leave the image.
  if (kept) kept.attrs = [...state.packages.keys(), ...Object.values(state.runtimes).map((r) => r!.attr)].sort();
  // The base's own files and links are in its layers already (its users stay known to USER and --chown; the
  // image plan writes no /etc/passwd over the base's).
  for (const [path, content] of Object.entries(kept ? {} : (image.files ?? {}))) {
    state.files.push({
      line: stage.instructions[0]!.line,
      source: { kind: 'text', content, name: path.split('/').pop()! },
      dest: path,
      owner: null,
      mode: null,
    });
  }
  for (const [path, target] of Object.entries(kept ? {} : (image.symlinks ?? {}))) {
    const pkg = /^@([^@]+)@(.*)$/.exec(target);
    state.symlinks.set(path, { path, target: pkg ? { kind: 'package', attr: pkg[1]!, subpath: pkg[2]! } : { kind: 'path', path: target } });
  }
  for (const line of image.users ?? []) {
    const [name, , uid, gid, gecos, home, shell] = line.split(':');
    state.users.set(name!, { name: name!, uid: Number(uid), gid: Number(gid), gecos: gecos ?? '', home: home ?? '/', shell: shell ?? '/bin/sh' });
  }
  for (const line of image.groups ?? []) {
    const [name, , gid] = line.split(':');
    state.groups.set(name!, { name: name!, gid: Number(gid) });
  }
  if (kept) kept.users = [...state.users.keys()];
  return state;
}

/**
 * Where a JDK attribute's home (its `home` passthru, what JAVA_HOME names) is below its store path: the Temurin
 * binaries are unpacked at the root (pkgs/development/compilers/temurin-bin/jdk-linux-base.nix); nixpkgs' OpenJDK
 * and Corretto builds keep it in lib/openjdk (pkgs/development/compilers/openjdk/generic.nix).
 */
export function javaHomeSubpath(attr: string): string {
  return /^temurin-/.test(attr) ? '' : '/lib/openjdk';
}
