/**
 * Layout against Docker (issue 13): the Docker image of a Dockerfile, built with Buildah, against the root the
 * generated Nix would pack, assembled without Nix or nixpkgs.
 *
 * The Nix side: default.nix is evaluated with the nixpkgs stand-in (test/nix/stub-nixpkgs.nix), so every context
 * source really goes through builtins.path and its filter into the store, and pkgs.writeText writes its file
 * there; each derivation becomes a local folder holding what the plan says it installs (the files the Docker
 * build stage made at those paths, made read-only as the store makes them). Then, as dockerTools'
 * customisation layer does, extraCommands runs in an empty root with `bash -e`, and fakeRootCommands under
 * fakeroot; fakeroot's saved state gives the owners. The packages of `contents` are left out: the comparison is
 * about what the Dockerfile's own instructions put in the image.
 *
 * The Docker side: `buildah bud` (vfs, chroot isolation, --pull=never, --layers), the image mounted and listed
 * with find; what its instructions put there is what differs from the base image.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { convertOne } from '../../src/cli/commands/convert.js';
import type { MigrationPlan } from '../../src/convert/types.js';
import { BUSYBOX, debianBaseTarball } from '../audit/helpers.js';
import { nixString, stubNixpkgs } from './tools.js';

/** One entry of an image's file system: type (find's %y: f d l ...), permission bits in octal, uid:gid. */
export interface Entry {
  type: string;
  mode: string;
  owner: string;
  /** A symbolic link's target, else ''. */
  link: string;
  size: number;
  mtime: string;
}
export type Tree = Map<string, Entry>;

/** Where the test's own images live in the container storage (kept between runs: the --layers cache). */
export const IMAGE_PREFIX = 'localhost/dock2nix-layout';
export const DEBIAN_IMAGE = `${IMAGE_PREFIX}/debian:bookworm-trimmed`;
export const BUSYBOX_IMAGE = `${IMAGE_PREFIX}/busybox:static`;

/** The bases a case's Dockerfile may name, and the local image Buildah builds it from instead. */
const LOCAL_BASES: Array<[RegExp, string]> = [
  [/^debian:bookworm(-slim)?$/, DEBIAN_IMAGE],
  [/^busybox(:[\w.-]+)?$/, BUSYBOX_IMAGE],
];

/**
 * Its own container storage (kept as the build cache): in the shared one, the layers cached here would be reused by
 * the audit tests' builds, whose Ctrl-C test checks that the layers its build made are removed again.
 * DOCK2NIX_LAYOUT_STORAGE moves it (several checkouts running this test at once).
 */
const STORAGE_DIR = process.env.DOCK2NIX_LAYOUT_STORAGE || '/var/tmp/dock2nix-layout-storage';
const STORAGE = ['--storage-driver', 'vfs', '--root', `${STORAGE_DIR}/root`, '--runroot', `${STORAGE_DIR}/run`];
const buildah = (args: string[], cwd?: string) => execa('buildah', [...STORAGE, ...args], { stdin: 'ignore', reject: false, cwd, all: true });

/** `find` lines: path, type, mode, uid:gid, link target, size, mtime; NUL-separated fields. */
const FIND_FORMAT = '%P\\0%y\\0%m\\0%U:%G\\0%l\\0%s\\0%T@\\0';

function parseFind(output: string): Tree {
  const fields = output.split('\0');
  const tree: Tree = new Map();
  for (let i = 0; i + 6 < fields.length; i += 7) {
    const [p, type, mode, owner, link, size, mtime] = fields.slice(i, i + 7) as [string, string, string, string, string, string, string];
    tree.set(p, { type, mode, owner, link, size: Number(size), mtime });
  }
  return tree;
}

/** Lists a folder as a file system root; `wrap` runs find under another command (fakeroot -i state). */
export async function listTree(root: string, wrap: string[] = []): Promise<Tree> {
  const command = [...wrap, 'find', root, '-mindepth', '1', '-printf', FIND_FORMAT];
  const result = await execa(command[0]!, command.slice(1), { stdin: 'ignore', maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  return parseFind(result.stdout);
}

// ---------------------------------------------------------------------------------------------------------
// Docker side.

async function imageExists(name: string): Promise<boolean> {
  return (await buildah(['inspect', '--type', 'image', name])).exitCode === 0;
}

/** The local Debian base (imported once from the cached debootstrap tarball) and BusyBox base (built once). */
export async function ensureBases(work: string): Promise<void> {
  if (!(await imageExists(DEBIAN_IMAGE))) {
    // debootstrap's minbase without apt's downloads and lists, documentation and translations (as the -slim
    // images drop them): 80 MB rather than 200, which vfs copies for every step of every build.
    const rootfs = path.join(work, 'debian-rootfs');
    const trimmed = path.join(work, 'debian-trimmed.tar');
    await mkdir(rootfs, { recursive: true });
    await execa('tar', ['-C', rootfs, '--numeric-owner', '-xf', await debianBaseTarball()]);
    await execa('sh', [
      '-c',
      'cd "$1" && rm -rf var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/* usr/share/locale usr/share/doc usr/share/man usr/share/info',
      'sh',
      rootfs,
    ]);
    await execa('tar', ['-C', rootfs, '--numeric-owner', '-cf', trimmed, '.']);
    await rm(rootfs, { recursive: true, force: true });
    const imported = await execa('podman', [...STORAGE, 'import', trimmed, DEBIAN_IMAGE], { stdin: 'ignore', reject: false });
    await rm(trimmed, { force: true });
    if (imported.exitCode !== 0) throw new Error(`podman import of the Debian base failed: ${imported.stderr}`);
  }
  if (!(await imageExists(BUSYBOX_IMAGE))) {
    // What the busybox image has that matters here: the applets as links, root and nobody, /tmp, /root, /home.
    const context = path.join(work, 'busybox-base');
    await mkdir(path.join(context, 'etc'), { recursive: true });
    await cp(BUSYBOX, path.join(context, 'busybox'));
    await writeFile(path.join(context, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
    await writeFile(path.join(context, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    await writeFile(
      path.join(context, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY busybox /bin/busybox',
        'COPY etc/ /etc/',
        'RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /tmp /root /home /usr/local/bin /usr/sbin && chmod 1777 /tmp && chmod 700 /root"]',
        'CMD ["sh"]',
        '',
      ].join('\n'),
    );
    await buildImage(context, path.join(context, 'Dockerfile'), BUSYBOX_IMAGE);
  }
}

async function buildImage(context: string, dockerfile: string, tag: string, target?: string): Promise<void> {
  const args = ['bud', '--isolation', 'chroot', '--pull=never', '--layers', '-f', dockerfile, '-t', tag, ...(target ? ['--target', target] : []), context];
  const result = await buildah(args);
  if (result.exitCode !== 0) throw new Error(`buildah ${args.join(' ')} failed:\n${result.all?.split('\n').slice(-15).join('\n')}`);
}

/** The Dockerfile with its bases replaced by the local images (written outside the context). */
export function dockerfileForBuildah(source: string): string {
  return source.replace(/^(FROM\s+(?:--platform=\S+\s+)?)(\S+)/gim, (whole, prefix: string, image: string) => {
    const local = LOCAL_BASES.find(([pattern]) => pattern.test(image));
    return local ? `${prefix}${local[1]}` : whole;
  });
}

/**
 * Runs `use` on an image's root, read-only: with the vfs driver, `podman image mount` is the top layer's folder,
 * which holds the whole file system (no copy, unlike a working container).
 */
async function withImageRoot<T>(image: string, use: (root: string) => Promise<T>): Promise<T> {
  const mount = await execa('podman', [...STORAGE, 'image', 'mount', image], { stdin: 'ignore', reject: false });
  if (mount.exitCode !== 0) throw new Error(`podman image mount ${image}: ${mount.stderr}`);
  try {
    return await use(mount.stdout.trim());
  } finally {
    await execa('podman', [...STORAGE, 'image', 'unmount', image], { stdin: 'ignore', reject: false });
  }
}

export async function imageTree(image: string): Promise<Tree> {
  return withImageRoot(image, (root) => listTree(root));
}

const baseTrees = new Map<string, Promise<Tree>>();
/** The base image's tree (empty for FROM scratch), listed once per run. */
export function baseTree(image: string | null): Promise<Tree> {
  if (!image) return Promise.resolve(new Map());
  if (!baseTrees.has(image)) baseTrees.set(image, imageTree(image));
  return baseTrees.get(image)!;
}

// ---------------------------------------------------------------------------------------------------------
// Nix side.

/** /etc/passwd and /etc/group as the Nix build sandbox has them: names chown can resolve there. */
const SANDBOX_PASSWD = 'root:x:0:0:Nix build user:/build:/noshell\nnixbld:x:1000:100:Nix build user:/build:/noshell\nnobody:x:65534:65534:Nobody:/:/noshell\n';
const SANDBOX_GROUP = 'root:x:0:\nnixbld:!:100:\nnogroup:x:65534:\n';

let unshareWorks: Promise<boolean> | null = null;
/** Whether this machine lets the test put the sandbox's /etc/passwd in a private mount namespace. */
function canUnshare(): Promise<boolean> {
  unshareWorks ??= execa('unshare', ['--mount', 'true'], { stdin: 'ignore', reject: false }).then((r) => r.exitCode === 0);
  return unshareWorks;
}

/** The store path the stand-in nixpkgs gives a derivation (test/nix/stub-nixpkgs.nix, fakeDrv). */
function stubOutPath(name: string): string {
  return `/nix/store/${'0'.repeat(31)}${name.length}-${name}`;
}

/** Copies a folder as `nix-store --add` would leave it: read-only, executable bits kept, owned by root. */
async function makeStoreLike(folder: string): Promise<void> {
  await execa('sh', [
    '-c',
    'chown -R 0:0 "$1" && find "$1" -type d -exec chmod 555 {} + && find "$1" -type f -perm /111 -exec chmod 555 {} + && find "$1" -type f ! -perm /111 -exec chmod 444 {} +',
    'sh',
    folder,
  ]);
}

export interface NixSide {
  tree: Tree;
  extraCommands: string;
  fakeRootCommands: string;
  /** What failed while running the scripts as the Nix build would (empty when both ran). */
  failures: string[];
}

/**
 * Evaluates default.nix with the stand-in, fills each derivation's stand-in output from `stageRoot` (the Docker
 * build stage's root), and runs the scripts in `work/root`.
 */
export async function assembleNixRoot(
  plan: MigrationPlan,
  defaultNix: string,
  work: string,
  stageRoot: (stage: number, use: (root: string) => Promise<void>) => Promise<void>,
): Promise<NixSide> {
  const expression = `let
    stub = import ${nixString(stubNixpkgs)} { };
    pkgs = stub // { writeText = name: text: builtins.seq (stub.writeText name text).name (builtins.toFile name text); };
    image = import ${nixString(defaultNix)} { inherit pkgs; };
  in { extra = image.imageArgs.extraCommands or ""; fakeRoot = image.imageArgs.fakeRootCommands or ""; }`;
  // --read-write-mode: builtins.path really copies each filtered source into the store.
  const evaluated = await execa('nix-instantiate', ['--eval', '--strict', '--json', '--read-write-mode', '-E', expression], { stdin: 'ignore', reject: false });
  if (evaluated.exitCode !== 0) throw new Error(`evaluating ${defaultNix} failed: ${evaluated.stderr}`);
  let { extra, fakeRoot } = JSON.parse(evaluated.stdout) as { extra: string; fakeRoot: string };

  const outputs = path.join(work, 'derivations');
  await rm(outputs, { recursive: true, force: true });
  for (const derivation of plan.derivations) {
    const out = path.join(outputs, derivation.pname);
    await mkdir(out, { recursive: true });
    await stageRoot(derivation.stage, async (root) => {
      for (const output of derivation.outputs) {
        const from = path.posix.resolve(derivation.workdir, output.from);
        const to = path.join(out, output.to);
        if (!existsSync(path.join(root, from))) throw new Error(`stage ${derivation.stage} has no ${from}, which the plan installs as ${output.to}`);
        await mkdir(path.dirname(to), { recursive: true });
        await execa('cp', ['-a', '-T', path.join(root, from), to]);
      }
    });
    await makeStoreLike(out);
    const stubPath = stubOutPath(derivation.pname);
    extra = extra.split(stubPath).join(out);
    fakeRoot = fakeRoot.split(stubPath).join(out);
  }

  const root = path.join(work, 'root');
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const failures: string[] = [];
  // As dockerTools' customisation layer: `(cd old_out; eval "$extraCommands")` under the builder's umask.
  const ran = await execa('bash', ['-e', '-c', 'umask 022; cd "$1"; eval "$EXTRA_COMMANDS"', 'bash', root], {
    env: { EXTRA_COMMANDS: extra },
    stdin: 'ignore',
    reject: false,
    all: true,
  });
  if (ran.exitCode !== 0) failures.push(`extraCommands failed (exit ${ran.exitCode}): ${ran.all}`);
  const state = path.join(work, 'fakeroot.state');
  await writeFile(state, '');
  if (fakeRoot) {
    // `fakeroot bash -e -c '... cd old_out; eval "$fakeRootCommands"'`, where only the sandbox's users have names.
    const passwd = path.join(work, 'sandbox-passwd');
    const group = path.join(work, 'sandbox-group');
    await writeFile(passwd, SANDBOX_PASSWD);
    await writeFile(group, SANDBOX_GROUP);
    const inner = 'umask 022; cd "$1"; eval "$FAKE_ROOT_COMMANDS"';
    const command = (await canUnshare())
      ? [
          'unshare',
          '--mount',
          'sh',
          '-c',
          'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"',
          'sh',
          passwd,
          group,
          'fakeroot',
          '-s',
          state,
          '--',
          'bash',
          '-e',
          '-c',
          inner,
          'bash',
          root,
        ]
      : ['fakeroot', '-s', state, '--', 'bash', '-e', '-c', inner, 'bash', root];
    const faked = await execa(command[0]!, command.slice(1), { env: { FAKE_ROOT_COMMANDS: fakeRoot }, stdin: 'ignore', reject: false, all: true });
    if (faked.exitCode !== 0) failures.push(`fakeRootCommands failed (exit ${faked.exitCode}): ${faked.all}`);
  }
  const tree = await listTree(root, ['fakeroot', '-i', state, '--']);
  return { tree, extraCommands: extra, fakeRootCommands: fakeRoot, failures };
}

// ---------------------------------------------------------------------------------------------------------
// The comparison.

/**
 * Not compared: what the Nix image gets elsewhere than from extraCommands (the user databases come from fakeNss),
 * the bookkeeping of useradd and adduser (their logs, adduser's lock file), and what Buildah leaves of the files
 * it mounts into a RUN (/etc/hosts, /etc/resolv.conf, /etc/hostname), which Docker does not leave in an image.
 */
export const NOT_COMPARED: RegExp[] = [
  /^etc\/(passwd|group|shadow|gshadow|subuid|subgid)-?$/,
  /^var\/log\/(lastlog|faillog)$/,
  /^run\/adduser$/,
  /^etc\/(hosts|resolv\.conf|hostname)$/,
];

function describe(entry: Entry | undefined): string {
  if (!entry) return 'absent';
  const type = { f: 'file', d: 'folder', l: 'link' }[entry.type] ?? entry.type;
  return entry.type === 'l' ? `${type} -> ${entry.link} ${entry.owner}` : `${type} ${entry.mode.padStart(4, '0')} ${entry.owner}`;
}

const sameShape = (a: Entry, b: Entry) => a.type === b.type && a.mode === b.mode && a.owner === b.owner && a.link === b.link;

export interface Mismatch {
  path: string;
  docker: string;
  nix: string;
}

/**
 * Paths the Dockerfile's instructions put in the Docker image (absent from the base, or changed: a folder's
 * type, mode or owner, a file's content too, judged by size and time) must be in the Nix root alike; and what
 * the Nix root has must be in the Docker image alike (a file Docker removed must not be there).
 */
export function compareLayouts(docker: Tree, base: Tree, nix: Tree, notCompared: RegExp[] = NOT_COMPARED): { own: string[]; mismatches: Mismatch[] } {
  const skip = (p: string) => notCompared.some((pattern) => pattern.test(p));
  const own = [...docker.keys()]
    .filter((p) => {
      const mine = docker.get(p)!;
      const before = base.get(p);
      if (!before) return true;
      if (!sameShape(before, mine)) return true;
      return mine.type === 'f' && (before.size !== mine.size || before.mtime !== mine.mtime);
    })
    .filter((p) => !skip(p))
    .sort();
  const mismatches: Mismatch[] = [];
  const ownSet = new Set(own);
  for (const p of own) {
    const d = docker.get(p)!;
    const n = nix.get(p);
    if (!n || !sameShape(d, n)) mismatches.push({ path: p, docker: describe(d), nix: describe(n) });
  }
  for (const [p, n] of nix) {
    if (ownSet.has(p) || skip(p)) continue;
    const d = docker.get(p);
    if (!d || !sameShape(d, n)) mismatches.push({ path: p, docker: describe(d), nix: describe(n) });
  }
  mismatches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { own, mismatches };
}

export function formatMismatches(mismatches: Mismatch[]): string {
  return mismatches.map((m) => `/${m.path}: Docker ${m.docker}, Nix ${m.nix}`).join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// One case end to end.

export interface LayoutCase {
  name: string;
  /** The Dockerfile, naming real bases (debian:bookworm-slim, busybox:1.36, scratch). */
  dockerfile: string;
  /** Context files: path → content (a trailing `/` makes an empty folder); modes 0644 unless `executable`. */
  files: Record<string, string>;
  executable?: string[];
}

export interface LayoutResult {
  plan: MigrationPlan;
  defaultNix: string;
  own: string[];
  mismatches: Mismatch[];
  nix: NixSide;
  docker: Tree;
}

export async function runLayoutCase(spec: LayoutCase, workRoot: string): Promise<LayoutResult> {
  const work = path.join(workRoot, spec.name);
  const context = path.join(work, 'context');
  await rm(work, { recursive: true, force: true });
  await mkdir(context, { recursive: true });
  await writeFile(path.join(context, 'Dockerfile'), spec.dockerfile);
  for (const [file, content] of Object.entries(spec.files)) {
    const target = path.join(context, file);
    if (file.endsWith('/')) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content, { mode: spec.executable?.includes(file) ? 0o755 : 0o644 });
  }
  // A fixed time for the context, so the --layers cache holds from one run to the next.
  await execa('find', [context, '-exec', 'touch', '-h', '-d', '@1700000000', '{}', '+']);

  const output = path.join(work, 'nix');
  const { plan } = await convertOne({ dockerfile: path.join(context, 'Dockerfile'), output, format: 'layered', buildArg: [], force: true }, null);
  const defaultNix = path.join(output, 'default.nix');

  const dockerfile = path.join(work, 'Dockerfile.buildah');
  await writeFile(dockerfile, dockerfileForBuildah(spec.dockerfile));
  const tag = `${IMAGE_PREFIX}/${spec.name}:latest`;
  await buildImage(context, dockerfile, tag);
  const docker = await imageTree(tag);
  const targetFrom = plan.stages[plan.target.index]!.from;
  const baseImage = /^scratch$/i.test(targetFrom) ? null : (LOCAL_BASES.find(([pattern]) => pattern.test(targetFrom))?.[1] ?? null);
  if (!baseImage && !/^scratch$/i.test(targetFrom)) throw new Error(`${spec.name}: no local image for ${targetFrom}`);
  const base = await baseTree(baseImage);

  const stageRoot = async (stage: number, use: (root: string) => Promise<void>) => {
    const name = plan.stages[stage]!.name;
    if (!name) throw new Error(`${spec.name}: stage ${stage} needs a name (the Docker side builds it with --target)`);
    const stageTag = `${IMAGE_PREFIX}/${spec.name}-${name}:latest`;
    await buildImage(context, dockerfile, stageTag, name);
    await withImageRoot(stageTag, use);
  };
  const nix = await assembleNixRoot(plan, defaultNix, work, stageRoot);
  const { own, mismatches } = compareLayouts(docker, base, nix.tree);
  return { plan, defaultNix: await readFile(defaultNix, 'utf8'), own, mismatches, nix, docker };
}

/** A scratch folder for the cases. */
export function layoutWork(prefix: string): Promise<string> {
  return mkdtemp(prefix);
}
