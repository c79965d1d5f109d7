/**
 * The target stage becomes the image plan: packages in the image root, the Python environment, users for
 * fakeNss, directories, placed files and links, and the config Docker would have written.
 */
import type { StageState } from './stage.js';
import type { FilePlacement, ImagePlan, OutputFormat, PythonPlan, SymlinkPlan } from './types.js';
import { compareText } from '../compare.js';
import { DOCKER_DEFAULT_PATH } from '../dockerfile/parse.js';

export interface ImageScope {
  name: string;
  format: OutputFormat;
  /** Files from derivations, already resolved. */
  derivationFiles: FilePlacement[];
  /** Drop context files under this folder (they are inside an app derivation's output). */
  replacedWorkdir: string | null;
}

export function buildImagePlan(state: StageState, scope: ImageScope): ImagePlan {
  const contents = new Set<string>();
  // A kept base (partial migration) already has what the tables say it provides.
  const kept = state.kept;
  const fromBase = new Set(kept?.attrs ?? []);
  for (const [attr, role] of state.packages) {
    if (role === 'runtime' && !state.removed.has(attr) && !fromBase.has(attr)) contents.add(attr);
  }
  if (state.runtimes.nodejs && state.baseKind !== 'toolchain' && !kept) contents.add(state.runtimes.nodejs.attr);
  if (state.runtimes.java && state.baseKind !== 'toolchain' && !kept) contents.add(state.runtimes.java.attr);
  // With a bundle install the image's Ruby is the gems' wrapped one (src/nix/builders/index.ts: derivationContents).
  if (state.bundler.some((s) => s.action === 'install')) for (const attr of [...contents]) if (/^ruby(_\d+_\d+)?$/.test(attr)) contents.delete(attr);
  if (state.runtimes.ruby && state.baseKind !== 'toolchain' && !kept && !state.bundler.some((s) => s.action === 'install'))
    contents.add(state.runtimes.ruby.attr);
  // The image's PHP: the interpreter of the php: tag, with the extensions docker-php-ext-install added (src/ecosystems/php).
  const php =
    state.runtimes.php && state.baseKind !== 'toolchain' && !kept ? { attr: state.runtimes.php.attr, extensions: [...state.phpExtensions].sort() } : null;
  let python: PythonPlan | null = null;
  if (state.runtimes.python && (!kept || state.pythonPackages.size)) {
    python = { attr: state.runtimes.python.attr, packages: [...state.pythonPackages].sort(), missing: [] };
  } else if (state.pythonPackages.size || [...state.symlinks.values()].some((l) => l.target.kind === 'python')) {
    python = { attr: 'python3', packages: [...state.pythonPackages].sort(), missing: [] };
  }
  // On a kept base, no /bin/sh, certificates, /usr/bin/env, /tmp or /etc/passwd of ours: they would shadow the
  // base's own (its users, its shell), which Docker's build relied on.
  const needs = kept ? { ...state.needs, binSh: false, caCertificates: false, usrBinEnv: false, tmp: false } : state.needs;
  const hasShellPackage = [...contents].some((attr) => attr === 'busybox' || attr === 'dockerTools.binSh');
  if (needs.binSh && !hasShellPackage) contents.add('dockerTools.binSh');
  if (needs.caCertificates) contents.add('dockerTools.caCertificates');
  if (needs.usrBinEnv) contents.add('dockerTools.usrBinEnv');
  const symlinks = new Map<string, SymlinkPlan>(state.symlinks);
  const env = new Map(state.env);
  if (needs.tzdata) {
    contents.add('tzdata');
    if (!env.has('TZDIR')) env.set('TZDIR', '/usr/share/zoneinfo');
    symlinks.set('/usr/share/zoneinfo', { path: '/usr/share/zoneinfo', target: { kind: 'package', attr: 'tzdata', subpath: '/share/zoneinfo' } });
  }
  // (A kept base's PATH is its own: dockerTools keeps the base's Env, and a default here would replace it.)
  if (!env.has('PATH') && state.baseKind !== 'empty' && !kept) env.set('PATH', DOCKER_DEFAULT_PATH);

  const nonRoot = state.user !== null && !/^(root|0)(:.*)?$/.test(state.user);
  const wantsUsers = !kept && (state.baseKind !== 'empty' || nonRoot || state.users.size > 0);
  const users = wantsUsers
    ? {
        passwd: [...state.users.values()]
          .filter((u) => u.name !== 'root' && u.name !== 'nobody')
          .sort((a, b) => a.uid - b.uid || compareText(a.name, b.name))
          .map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.gecos}:${u.home}:${u.shell}`),
        group: [...state.groups.values()]
          .filter((g) => g.name !== 'root' && g.name !== 'nobody')
          .sort((a, b) => a.gid - b.gid || compareText(a.name, b.name))
          .map((g) => `${g.name}:x:${g.gid}:`),
      }
    : null;

  // Checked where the users are made (useradd, USER); a field that could end its line or field is a defect here.
  for (const line of [...(users?.passwd ?? []), ...(users?.group ?? [])]) {
    if (/[\u0000-\u001f\u007f]/.test(line) || line.split(':').length !== (line.endsWith(':') && users!.group.includes(line) ? 4 : 7))
      throw new Error(`internal error: an /etc/passwd or /etc/group line with a stray field: ${JSON.stringify(line)}`);
  }
  const directories = new Map(state.directories);
  // A folder that is a link to the Python environment (a virtual environment's place) is not also made a directory.
  for (const link of symlinks.values()) if (link.target.kind === 'python') directories.delete(link.path);
  if (needs.tmp && !directories.has('/tmp')) directories.set('/tmp', { path: '/tmp', mode: '1777', owner: null });

  const underReplaced = (file: FilePlacement) =>
    scope.replacedWorkdir !== null &&
    file.source.kind === 'context' &&
    (file.dest === scope.replacedWorkdir || file.dest.startsWith(`${scope.replacedWorkdir}/`));
  const files = [...state.files.filter((f) => !underReplaced(f)), ...scope.derivationFiles].sort((a, b) => a.line - b.line);

  return {
    name: scope.name,
    tag: 'latest',
    contents: [...contents].sort(),
    python,
    php,
    users,
    directories: [...directories.values()].sort((a, b) => compareText(a.path, b.path)),
    files,
    symlinks: [...symlinks.values()].sort((a, b) => compareText(a.path, b.path)),
    pathChanges: [...state.pathChanges].sort((a, b) => a.line - b.line),
    config: {
      ...state.config,
      Env: [...env.entries()].sort(([a], [b]) => compareText(a, b)),
      ExposedPorts: [...state.config.ExposedPorts].sort(),
      Volumes: [...state.config.Volumes].sort(),
      Labels: [...state.config.Labels].sort(([a], [b]) => compareText(a, b)),
    },
    baseImage: kept?.plan ?? null,
  };
}
