/**
 * `--builder nixos`: the image as a NixOS service. default.nix builds the image's files (the same derivations and
 * placing script the image formats use) into one folder shaped like the image root, with the image's packages
 * passed through; nixos.nix is a NixOS module that imports default.nix and runs the image's command as a systemd
 * service, with its environment, working directory and user, its files bound read-only at their image paths, and
 * the firewall open for its exposed ports; flake.nix adds `nixosConfigurations.<name>`, a machine running it
 * (`nixos-rebuild build-vm`, `nixos-rebuild build-image`). Every option emitted here was checked in nixpkgs'
 * nixos/modules (docs/nixos.md lists them with their modules).
 */
import type { ImagePlan, MigrationPlan } from '../../convert/types.js';
import type { Instruction } from '../../dockerfile/model.js';
import {
  apply,
  attrName,
  attrs,
  bind,
  bool,
  commentText,
  id,
  indented,
  int,
  lambda,
  letIn,
  list,
  print,
  select,
  str,
  type Binding,
  type NixExpr,
} from '../ast.js';
import { manualMarkers, markersAt, MARKER } from '../markers.js';
import { pkg, pkgs } from '../pkgs.js';
import { command, option, printShell, word } from '../shell.js';
import { defineFormat, type FormatNote } from './define.js';

/** The let binding of default.nix that holds the service's files. */
export const SERVICE_ROOT_BINDING = 'serviceRoot';
export const NIXOS_FILE = 'nixos.nix';
/** The release a generated machine starts at (system.stateVersion): the stable release of the nixpkgs dock2nix was checked with. */
export const STATE_VERSION = '26.05';

/** The systemd unit (and attribute) name of the service: the image name, in the characters a unit name takes. */
export function serviceName(plan: MigrationPlan): string {
  const clean = plan.image.name.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]+/, '');
  return clean || 'app';
}

/** Folders NixOS has itself (the image's own copy of them is not recreated on the host). */
const SYSTEM_FOLDERS = new Set(['/', '/tmp', '/var/tmp', '/home', '/root', '/etc', '/usr', '/var', '/bin', '/run', '/nix']);
/** What NixOS gives every machine that the image got from dockerTools' helpers (/bin/sh, /usr/bin/env, CA certificates). */
const NIXOS_PROVIDES = /^dockerTools\./;

interface ServiceUser {
  name: string;
  group: string;
  uid: number | null;
  gid: number | null;
  home: string | null;
  /** What the report says about the user (null: as the image had it). */
  note: string | null;
  /** nixos.nix declares the user and group (false: NixOS has them already). */
  declared: boolean;
}

function passwdEntries(image: ImagePlan) {
  return (image.users?.passwd ?? []).map((line) => {
    const [name = '', , uid = '', gid = '', , home = ''] = line.split(':');
    return { name, uid: Number(uid), gid: Number(gid), home };
  });
}

function groupEntries(image: ImagePlan) {
  return (image.users?.group ?? []).map((line) => {
    const [name = '', , gid = ''] = line.split(':');
    return { name, gid: Number(gid) };
  });
}

/** The user the service runs as (null: root, as the image). */
export function serviceUser(plan: MigrationPlan): ServiceUser | null {
  const spec = plan.image.config.User;
  if (!spec) return null;
  const [userPart = '', groupPart] = spec.split(':');
  if (userPart === 'root' || userPart === '0') return null;
  const passwd = passwdEntries(plan.image);
  const groups = groupEntries(plan.image);
  const numeric = /^\d+$/.test(userPart);
  const entry = passwd.find((p) => (numeric ? p.uid === Number(userPart) : p.name === userPart));
  const groupOf = (gid: number) => groups.find((g) => g.gid === gid)?.name ?? null;
  const explicitGid = groupPart && /^\d+$/.test(groupPart) ? Number(groupPart) : null;
  if (!numeric && userPart === 'nobody' && !entry) {
    // NixOS has nobody itself (uid 65534, group nogroup): the service runs as that one, nothing is declared.
    return { name: 'nobody', group: 'nogroup', uid: null, gid: null, home: null, note: "nobody is NixOS's own (uid 65534, group nogroup)", declared: false };
  }
  if (entry) {
    const namedGroup = groupPart && !/^\d+$/.test(groupPart) ? groupPart : null;
    const gid = namedGroup ? (groups.find((g) => g.name === namedGroup)?.gid ?? null) : (explicitGid ?? entry.gid);
    const group = namedGroup ?? (gid !== null ? groupOf(gid) : null) ?? entry.name;
    return { name: entry.name, group, uid: entry.uid, gid, home: entry.home && entry.home !== '/' ? entry.home : null, note: null, declared: true };
  }
  if (numeric) {
    const name = serviceName(plan);
    return {
      name,
      group: name,
      uid: Number(userPart),
      gid: explicitGid ?? Number(userPart),
      home: null,
      note: `uid ${userPart} has no name in the image; nixos.nix creates the system user ${name} with that uid (and group ${name} with gid ${explicitGid ?? userPart})`,
      declared: true,
    };
  }
  return {
    name: userPart,
    group: groupPart && !/^\d+$/.test(groupPart) ? groupPart : userPart,
    uid: null,
    gid: explicitGid,
    home: null,
    note: `${userPart} comes from the base image, not from this Dockerfile: nixos.nix creates it as a system user, whose uid NixOS picks (not the base's)`,
    declared: true,
  };
}

/** The argv the image runs: Entrypoint then Cmd. */
function imageArgv(image: ImagePlan): string[] {
  return [...(image.config.Entrypoint ?? []), ...(image.config.Cmd ?? [])];
}

/** A program at a standard bin folder that the image's packages put there (not a file the Dockerfile placed). */
const BIN_FOLDER = /^\/(?:usr\/(?:local\/)?)?s?bin\/([^/]+)$/;
/** What NixOS keeps at those paths itself. */
const NIXOS_PATHS = new Set(['/bin/sh', '/usr/bin/env']);

function placedPaths(image: ImagePlan): Set<string> {
  return new Set([...image.files.map((f) => f.dest), ...image.symlinks.map((l) => l.path)]);
}

/**
 * The command as the service runs it. The image finds a program by PATH in its packages (linked into /bin,
 * /usr/bin); the service's PATH holds the same packages (its `path`), so a program the packages provide at a
 * bin folder is run by name. Returns the argv and what changed.
 */
export function serviceArgv(image: ImagePlan): { argv: string[]; rewritten: string | null } {
  const argv = imageArgv(image);
  const first = argv[0];
  if (!first) return { argv, rewritten: null };
  const match = BIN_FOLDER.exec(first);
  if (match && !NIXOS_PATHS.has(first) && !placedPaths(image).has(first)) {
    return {
      argv: [match[1]!, ...argv.slice(1)],
      rewritten: `${first} comes from the image's packages: the service runs ${match[1]} from the same packages (its PATH)`,
    };
  }
  return { argv, rewritten: null };
}

/**
 * Paths written into systemd's whitespace-separated lines (BindReadOnlyPaths, tmpfiles rules) as they are: a path
 * with anything else (a space, a colon, `%` which systemd expands as a specifier) is left for manual work.
 */
const UNIT_SAFE_PATH = /^\/[A-Za-z0-9._@+/-]*$/;
export const unitSafePath = (p: string): boolean => UNIT_SAFE_PATH.test(p);
/** `%` starts a systemd specifier in Environment= and Description=; `%%` is a plain `%`. */
const unitText = (text: string): string => text.replace(/%/g, '%%');

/** Whether a removal at a later line takes `target` away (then the service's root does not hold it either). */
function removedLater(image: ImagePlan, target: string, line: number): boolean {
  return image.pathChanges.some(
    (c) => c.change.kind === 'remove' && c.line > line && (c.path === target || target.startsWith(`${c.path === '/' ? '' : c.path}/`)),
  );
}

/** Image paths to bind from the service root: each placed file or folder (an ancestor covers what is below it) and each link into the store. */
export function boundPaths(image: ImagePlan): string[] {
  const paths = [
    ...image.files.filter((f) => !removedLater(image, f.dest, f.line)).map((f) => f.dest),
    ...image.symlinks.filter((l) => l.target.kind !== 'path').map((l) => l.path),
  ];
  const unique = [...new Set(paths)].filter((p) => p !== '/' && unitSafePath(p)).sort();
  return unique.filter((p) => !unique.some((q) => q !== p && p.startsWith(`${q}/`)));
}

/** Folders the image makes (WORKDIR, useradd -m, VOLUME...), made on the host by systemd-tmpfiles. */
function tmpfilesRules(image: ImagePlan): string[] {
  const rules: string[] = [];
  const seen = new Set<string>();
  for (const dir of image.directories) {
    if (SYSTEM_FOLDERS.has(dir.path) || seen.has(dir.path) || !unitSafePath(dir.path)) continue;
    seen.add(dir.path);
    const [user = '-', group = user] = dir.owner ? dir.owner.split(':') : [];
    rules.push(`d ${dir.path} ${dir.mode ? dir.mode.padStart(4, '0') : '-'} ${user} ${group} -`);
  }
  for (const volume of image.config.Volumes) {
    if (SYSTEM_FOLDERS.has(volume) || seen.has(volume) || !unitSafePath(volume)) continue;
    seen.add(volume);
    // Owned by root, as Docker makes a VOLUME folder the image does not have.
    rules.push(`d ${volume} - - - -`);
  }
  for (const link of image.symlinks) {
    if (link.target.kind === 'path' && unitSafePath(link.path) && /^[^\s%]+$/.test(link.target.path)) rules.push(`L ${link.path} - - - - ${link.target.path}`);
  }
  return rules;
}

function ports(image: ImagePlan, proto: 'tcp' | 'udp'): number[] {
  return [
    ...new Set(
      image.config.ExposedPorts.map((p) => {
        const [port = '', kind = 'tcp'] = p.split('/');
        return kind === proto && /^\d+$/.test(port) ? Number(port) : null;
      }).filter((p): p is number => p !== null),
    ),
  ].sort((a, b) => a - b);
}

/** The module's `app`: default.nix's value (the service root, with the image's packages passed through). */
const app = id('app');

function nixosModule(plan: MigrationPlan): NixExpr {
  const { image } = plan;
  const name = serviceName(plan);
  const user = serviceUser(plan);
  const { argv } = serviceArgv(image);
  const config = image.config;
  const markers = manualMarkers(plan);
  const serviceConfig: Binding[] = [];
  if (user) serviceConfig.push(bind('User', str(user.name)), bind('Group', str(user.group)));
  if (config.WorkingDir) serviceConfig.push(bind('WorkingDirectory', str(unitText(config.WorkingDir))));
  const bound = boundPaths(image);
  if (bound.length) {
    serviceConfig.push(
      bind('BindReadOnlyPaths', list(bound.map((p) => str(app, `${p}:${p}`))), [
        "The image's files at their image paths, read-only (from the Nix store): the service sees them where the image had them.",
      ]),
    );
  }
  if (config.StopSignal) {
    serviceConfig.push(
      bind('KillSignal', str(/^\d+$/.test(config.StopSignal) || config.StopSignal.startsWith('SIG') ? config.StopSignal : `SIG${config.StopSignal}`), [
        'STOPSIGNAL: systemd sends it to every process of the service, then SIGKILL after TimeoutStopSec (90 s; Docker waits 10 s).',
      ]),
    );
  }
  const env = config.Env.filter(([k]) => k !== 'PATH');
  const service: Binding[] = [
    bind('description', str(unitText(`${image.name} (converted from ${plan.dockerfile} by dock2nix)`))),
    bind('wantedBy', list([str('multi-user.target')])),
    bind('after', list([str('network.target')])),
    bind('path', select(app, 'packages'), ["The image's packages: the service's PATH holds their bin folders, as the image's PATH held them."]),
    ...(env.length
      ? [
          bind(
            'environment',
            attrs(env.map(([k, v]) => bind(k, str(unitText(v))))),
            env.some(([, v]) => v.includes('%')) ? ['`%%`: systemd reads `%` as a specifier; the program gets one `%`.'] : undefined,
          ),
        ]
      : []),
    argv.length
      ? bind('script', indented(...printShell([command('exec', ...(argv[0]!.startsWith('-') ? [option('--')] : []), ...argv.map((a) => word(a)))])), [
          "The image's command (Entrypoint, then Cmd); exec: it becomes the service's main process.",
        ])
      : bind('script', indented('exit 1\n'), [`${MARKER}: the image has no command (ENTRYPOINT or CMD): write the service's script`]),
    ...(serviceConfig.length ? [bind('serviceConfig', attrs(serviceConfig))] : []),
  ];
  const top: Binding[] = [bind(['systemd', 'services', name], attrs(service), markersAt(markers, { kind: 'config' }))];
  if (user?.declared) {
    top.push(
      bind(
        ['users', 'users', user.name],
        attrs([
          bind('isSystemUser', bool(true)),
          bind('group', str(user.group)),
          ...(user.uid !== null ? [bind('uid', int(user.uid))] : []),
          ...(user.home ? [bind('home', str(user.home))] : []),
        ]),
      ),
      bind(['users', 'groups', user.group], attrs(user.gid !== null ? [bind('gid', int(user.gid))] : [])),
    );
  }
  const rules = tmpfilesRules(image);
  if (rules.length) {
    top.push(
      bind(['systemd', 'tmpfiles', 'rules'], list(rules.map((r) => str(r))), [
        'Folders and links the image made (WORKDIR, homes, VOLUME), made on the host; what a VOLUME holds stays on its disk.',
      ]),
    );
  }
  const tcp = ports(image, 'tcp');
  const udp = ports(image, 'udp');
  if (tcp.length)
    top.push(
      bind(['networking', 'firewall', 'allowedTCPPorts'], list(tcp.map((p) => int(p))), ['EXPOSE: opened to the network (Docker only documents them).']),
    );
  if (udp.length) top.push(bind(['networking', 'firewall', 'allowedUDPPorts'], list(udp.map((p) => int(p)))));
  const files = markersAt(markers, { kind: 'files' });
  const contents = markersAt(markers, { kind: 'contents' });
  const body = attrs(top);
  return letIn(
    [
      bind('app', apply(id('import'), { kind: 'path', path: './default.nix' }, attrs([bind('pkgs', id('pkgs'))])), [
        "The image's files and packages, as default.nix builds them (the same derivations the image formats use).",
        ...contents,
        ...files,
      ]),
    ],
    body,
  );
}

function emitNixosModule(plan: MigrationPlan, header: string): string {
  const text = print(nixosModule(plan));
  const signature = print(lambda({ formals: [{ name: 'pkgs' }, { name: '...' }] }, id('x'))).replace(/: x$/, ':');
  return `${header}\n${signature}\n\n${text}\n`;
}

function nixosHeader(plan: MigrationPlan): string {
  const name = serviceName(plan);
  const manual = plan.instructions.filter((i) => i.status === 'manual');
  const lines = [
    `Generated by dock2nix ${plan.tool.version} from ${plan.dockerfile}${plan.target.name ? ` (stage "${plan.target.name}")` : ''}.`,
    `A NixOS module: runs the image's command as the systemd service ${name}. Add it to a configuration's imports, or use the machine flake.nix defines: nixos-rebuild build-vm --flake .#${name}`,
    manual.length
      ? `${manual.length} instruction(s) need manual work (Dockerfile lines ${manual.map((m) => m.line).join(', ')}); see ${MARKER} here and in default.nix, and the migration report.`
      : 'See the migration report for what a container gives and this service does not.',
  ];
  return lines.map((l) => `# ${commentText(l)}`).join('\n');
}

/** flake.nix's machine: nixos.nix on a minimal system with a disk, a boot loader and a VM variant. */
function flakeOutputs(plan: MigrationPlan): string[] {
  const name = serviceName(plan);
  const forwards = [...ports(plan.image, 'tcp').map((p) => ['tcp', p] as const), ...ports(plan.image, 'udp').map((p) => ['udp', p] as const)];
  const forward = forwards.map(
    ([proto, port]) => `                { from = "host"; proto = "${proto}"; host.port = ${port < 1024 ? port + 8000 : port}; guest.port = ${port}; }`,
  );
  return [
    '',
    '      # The service as a module, for a configuration of your own: imports = [ inputs.<this flake>.nixosModules.default ];',
    `      nixosModules.default = ./${NIXOS_FILE};`,
    '',
    `      # A machine running it: nixos-rebuild build-vm --flake .#${name} (then ./result/bin/run-*-vm), or a disk image:`,
    `      # nixos-rebuild build-image --flake .#${name} --image-variant qemu (qcow2; qemu-efi for UEFI; amazon, ...).`,
    `      nixosConfigurations.${attrName(name)} = nixpkgs.lib.nixosSystem {`,
    '        modules = [',
    `          ./${NIXOS_FILE}`,
    '          (',
    '            { lib, ... }:',
    '            {',
    '              nixpkgs.hostPlatform = "x86_64-linux"; # or "aarch64-linux"',
    '              # A disk and a boot loader, as the disk images (image.modules) make them.',
    '              fileSystems."/" = lib.mkDefault {',
    '                device = "/dev/disk/by-label/nixos";',
    '                fsType = "ext4";',
    '              };',
    '              boot.loader.grub.devices = lib.mkOverride 1200 [ "/dev/vda" ]; # a disk image (--image-variant) sets its own',
    `              # The release this machine was first made with: keep it when nixpkgs moves on.`,
    `              system.stateVersion = "${STATE_VERSION}";`,
    ...(forward.length
      ? [
          '              # nixos-rebuild build-vm: the exposed ports, from the host (ports below 1024 at +8000).',
          '              virtualisation.vmVariant.virtualisation.forwardPorts = [',
          ...forward,
          '              ];',
        ]
      : []),
    '            }',
    '          )',
    '        ];',
    '      };',
  ];
}

/** What the service does differently from the container, on the instructions that asked for it. */
function imageNotes(image: ImagePlan, instructions: Instruction[]): FormatNote[] {
  const notes: FormatNote[] = [];
  const last = (keyword: string) => [...instructions].reverse().find((i) => i.keyword === keyword);
  const commandLines = ['ENTRYPOINT', 'CMD'].map(last).filter((i): i is Instruction => Boolean(i));
  const { rewritten } = serviceArgv(image);
  const asRoot = !image.config.User || /^(root|0)(:|$)/.test(image.config.User);
  for (const instruction of commandLines) {
    notes.push({
      line: instruction.line,
      raise: 'approximated',
      text: [
        'runs as a systemd service (script: exec), not as PID 1 of a container: systemd keeps it in a cgroup, reaps what it leaves behind, and stops every process of it (KillMode=control-group, SIGKILL after 90 s); it is not restarted unless you add serviceConfig.Restart',
        ...(asRoot ? ["it runs as the host's root (a container's root is confined to the container): set a user or serviceConfig.DynamicUser = true"] : []),
        ...(rewritten && instruction === commandLines[0] ? [rewritten] : []),
      ].join('; '),
    });
  }
  for (const instruction of instructions) {
    switch (instruction.keyword) {
      case 'USER': {
        if (instruction !== last('USER')) break;
        const user = serviceUser({ image } as MigrationPlan);
        if (user?.note) notes.push({ line: instruction.line, raise: user.declared ? 'approximated' : null, text: user.note });
        else if (user)
          notes.push({
            line: instruction.line,
            raise: null,
            text: `the service runs as ${user.name}, a NixOS system user (users.users.${user.name}${user.uid !== null ? `, uid ${user.uid}` : ''}) in place of the fakeNss entry`,
          });
        break;
      }
      case 'RUN': {
        const text = instruction.run.form === 'exec' ? instruction.run.argv.join(' ') : instruction.run.command;
        if (image.users && /\b(useradd|adduser|groupadd|addgroup)\b/.test(text))
          notes.push({
            line: instruction.line,
            raise: null,
            text: 'in nixos.nix its users and groups are NixOS ones (users.users, users.groups), not fakeNss entries',
          });
        break;
      }
      case 'WORKDIR':
        if (image.config.WorkingDir && !unitSafePath(image.config.WorkingDir) && instruction === last('WORKDIR'))
          notes.push({
            line: instruction.line,
            raise: 'manual',
            text: `${image.config.WorkingDir} has a character a systemd-tmpfiles line cannot take as it is (space, colon, %): make the folder by hand (WorkingDirectory names it${image.config.WorkingDir.includes('%') ? ', with `%%` for `%`' : ''})`,
          });
        break;
      case 'VOLUME':
        for (const volume of instruction.paths.filter((p) => !unitSafePath(p)))
          notes.push({
            line: instruction.line,
            raise: 'manual',
            text: `${volume} has a character a systemd-tmpfiles line cannot take as it is (space, colon, %): make the folder by hand`,
          });
        notes.push({
          line: instruction.line,
          raise: 'approximated',
          text: "a service has no volumes: the folder is made on the host's disk by systemd-tmpfiles, where it persists; the image's files at that path are not copied into it",
        });
        break;
      case 'EXPOSE':
        notes.push({
          line: instruction.line,
          raise: 'approximated',
          text: 'EXPOSE only documents a port; the service opens it in the firewall (networking.firewall.allowedTCPPorts/allowedUDPPorts)',
        });
        break;
      case 'STOPSIGNAL':
        notes.push({
          line: instruction.line,
          raise: 'approximated',
          text: 'serviceConfig.KillSignal: systemd sends it to every process of the service, not only the main one, and SIGKILL after TimeoutStopSec (90 s; Docker: 10 s)',
        });
        break;
      case 'LABEL':
        notes.push({ line: instruction.line, raise: 'approximated', text: 'a systemd service has no labels: not carried into nixos.nix' });
        break;
      case 'ENV':
        if (instruction.pairs.some(([k]) => k === 'PATH'))
          notes.push({
            line: instruction.line,
            raise: 'approximated',
            text: "the service's PATH is its packages' bin folders (systemd.services.<name>.path), not the image's PATH",
          });
        break;
      case 'COPY':
      case 'ADD':
        for (const file of image.files.filter((f) => f.line === instruction.line && !unitSafePath(f.dest)))
          notes.push({
            line: instruction.line,
            raise: 'manual',
            text: `${file.dest} has a character a BindReadOnlyPaths line cannot take as it is (space, colon, %): bind it by hand`,
          });
        if (image.files.some((f) => f.line === instruction.line))
          notes.push({
            line: instruction.line,
            raise: 'approximated',
            text: `the service sees these files at the same path, bound read-only from the Nix store (owned by root${instruction.chown ? '; --chown is not applied' : ''}${instruction.chmod ? '; the store keeps only the executable bit of --chmod' : ''})`,
          });
        break;
      default:
        break;
    }
  }
  for (const change of image.pathChanges.filter((c) => c.change.kind !== 'remove')) {
    notes.push({
      line: change.line,
      raise: 'approximated',
      text: `${change.change.kind === 'owner' ? 'chown' : 'chmod'} of ${change.path}: the service's copy is in the Nix store (owned by root, read-only)`,
    });
  }
  return notes;
}

export const nixos = defineFormat({
  id: 'nixos',
  label: 'NixOS module (systemd service) and machine',
  short: 'NixOS service',
  description: 'nixos.nix: a NixOS module running the command as a systemd service; flake.nix adds a machine (build-vm, build-image)',
  loadHint: "Build the service's files: nix-build. nixos.nix is the NixOS module that runs the service; flake.nix's nixosConfigurations a machine with it.",
  flakeHint: 'Build the files: nix build; run the service in a VM: nixos-rebuild build-vm --flake .#<name> (nixosConfigurations).',
  dockerArchive: false,
  fakeRoot: false,
  keepsHealthcheck: false,
  healthcheckDropped:
    'a systemd service has no health check: run the check from a systemd timer, or let the program exit on failure and add serviceConfig.Restart = "on-failure"',
  baseImage: null,
  flakeInputs: [],
  bindings: [SERVICE_ROOT_BINDING],
  fileNames: [NIXOS_FILE],
  imageExpr({ plan, script, todo, passthru }) {
    const packages: NixExpr[] = plan.image.contents.filter((a) => !NIXOS_PROVIDES.test(a)).map((attr) => pkg(attr));
    if (plan.image.python) packages.push(id('python'));
    const root = apply(
      select(pkgs, 'runCommand'),
      str(`${plan.image.name}-root`),
      attrs([
        bind(
          'passthru',
          attrs([
            bind('packages', list(packages), [
              "The image's packages (its contents), for the service's PATH; NixOS has /bin/sh, /usr/bin/env, CA certificates and users itself.",
              ...todo.contents,
            ]),
            ...passthru.map((name) => bind(name, id(name))),
          ]),
        ),
      ]),
      indented('mkdir -p $out\ncd $out\n', ...script),
    );
    return {
      bindings: [
        bind(SERVICE_ROOT_BINDING, root, [
          "The image's files, folders and links in a folder shaped like its root: nixos.nix binds them at their image paths.",
          ...todo.files,
        ]),
      ],
      body: id(SERVICE_ROOT_BINDING),
    };
  },
  files: (plan) => ({ [NIXOS_FILE]: emitNixosModule(plan, nixosHeader(plan)) }),
  flakeOutputs,
  imageNotes,
});
