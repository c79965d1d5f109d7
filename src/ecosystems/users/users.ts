/**
 * useradd/adduser/groupadd/addgroup (Debian and BusyBox flavours) become /etc/passwd and /etc/group lines for
 * fakeNss, with the ids the tools would have chosen when the Dockerfile does not give them.
 */
import { flagValue, hasFlag, parseArgs } from '../../convert/programs/args.js';
import { groupIdOf, type CommandScope, type Outcome, type StageState } from '../../convert/stage.js';

const USERADD_VALUES = new Set([
  '-u',
  '--uid',
  '-g',
  '--gid',
  '-G',
  '--groups',
  '-s',
  '--shell',
  '-d',
  '--home',
  '--home-dir',
  '-c',
  '--comment',
  '-k',
  '--skel',
  '-e',
  '--expiredate',
  '-f',
  '--inactive',
  '-K',
  '--key',
  '-p',
  '--password',
  '-R',
  '--root',
  '-b',
  '--base-dir',
]);
const BUSYBOX_ADDUSER_VALUES = new Set(['-h', '-g', '-s', '-G', '-u', '-k']);
const DEBIAN_ADDUSER_VALUES = new Set(['--uid', '--gid', '--home', '--shell', '--gecos', '--ingroup', '--comment', '--firstuid', '--lastuid', '--conf']);

/** A field of /etc/passwd or /etc/group that cannot end its line or its field: no `:`, no control characters. */
const BAD_FIELD = /[:\u0000-\u001f\u007f]/;

/** The first field that would add or bend entries, described, or null. */
function badField(fields: Array<[string, string | null | undefined]>): string | null {
  const bad = fields.find(([, value]) => value !== null && value !== undefined && BAD_FIELD.test(value));
  return bad ? `the ${bad[0]} ${JSON.stringify(bad[1])} holds a ":" or a control character, which would change other /etc/passwd or /etc/group entries` : null;
}

function nextId(used: Iterable<number>, system: boolean): number {
  const taken = new Set(used);
  if (system) {
    for (let id = 999; id >= 100; id--) if (!taken.has(id)) return id;
  }
  for (let id = 1000; ; id++) if (!taken.has(id)) return id;
}

function ensureGroup(stage: StageState, name: string, gid: number | null, system: boolean): number {
  const existing = stage.groups.get(name);
  if (existing) return existing.gid;
  const id =
    gid ??
    nextId(
      [...stage.groups.values()].map((g) => g.gid),
      system,
    );
  stage.groups.set(name, { name, gid: id });
  return id;
}

function groupId(stage: StageState, ref: string | null): number | null {
  if (ref === null) return null;
  return groupIdOf(ref, stage) ?? null;
}

export function addUser(words: string[], scope: CommandScope): Outcome {
  const { stage } = scope;
  const program = words[0]!;
  const debianAdduser = program === 'adduser' && words.slice(1).some((w) => w.startsWith('--'));
  const busybox = program === 'adduser' && !debianAdduser;
  const values = busybox ? BUSYBOX_ADDUSER_VALUES : debianAdduser ? DEBIAN_ADDUSER_VALUES : USERADD_VALUES;
  const args = parseArgs(words.slice(1), values);
  const name = args.operands[0];
  if (!name) return { status: 'manual', rule: 'run.useradd', message: `${words.join(' ')}: no user name` };
  const refused = badField([
    ['user name', name],
    [
      'group',
      busybox
        ? (flagValue(args, '-G') ?? args.operands[1])
        : debianAdduser
          ? (flagValue(args, '--ingroup') ?? flagValue(args, '--gid'))
          : flagValue(args, '-g', '--gid'),
    ],
    ['home', busybox ? flagValue(args, '-h') : flagValue(args, '-d', '--home', '--home-dir')],
    ['shell', busybox ? flagValue(args, '-s') : flagValue(args, '-s', '--shell')],
    ['comment', busybox ? flagValue(args, '-g') : flagValue(args, '-c', '--comment', '--gecos')],
  ]);
  if (refused) return { status: 'manual', rule: 'run.useradd', message: `${program}: ${refused}; not converted` };
  const system = busybox ? hasFlag(args, '-S') : hasFlag(args, '-r', '--system');
  const uidText = busybox ? flagValue(args, '-u') : flagValue(args, '-u', '--uid');
  const uid =
    uidText && /^\d+$/.test(uidText)
      ? Number(uidText)
      : nextId(
          [...stage.users.values()].map((u) => u.uid),
          system,
        );
  let gid: number;
  /** A group named but not made by this Dockerfile: taken to be the base image's, with an id picked here. */
  let assumed: string | null = null;
  const known = (group: string) => {
    const id = groupId(stage, group);
    if (id === null && !/^\d+$/.test(group)) assumed = group;
    return id;
  };
  if (busybox) {
    const group = flagValue(args, '-G') ?? args.operands[1] ?? null;
    gid = group ? (known(group) ?? ensureGroup(stage, group, null, system)) : ensureGroup(stage, name, uid, system);
  } else if (debianAdduser) {
    const group = flagValue(args, '--ingroup') ?? flagValue(args, '--gid');
    gid = group
      ? (known(group) ?? ensureGroup(stage, group, /^\d+$/.test(group) ? Number(group) : null, system))
      : system && !hasFlag(args, '--group')
        ? 65534
        : ensureGroup(stage, name, uid, system);
  } else {
    const group = flagValue(args, '-g', '--gid');
    const ownGroup = !hasFlag(args, '-N', '--no-user-group') && !group;
    gid = group
      ? (known(group) ?? ensureGroup(stage, group, /^\d+$/.test(group) ? Number(group) : null, system))
      : ownGroup
        ? ensureGroup(stage, name, uid, system)
        : 100;
  }
  const home = (busybox ? flagValue(args, '-h') : flagValue(args, '-d', '--home', '--home-dir')) ?? (system && !debianAdduser ? '/' : `/home/${name}`);
  const shell = (busybox ? flagValue(args, '-s') : flagValue(args, '-s', '--shell')) ?? (busybox ? '/bin/sh' : system ? '/usr/sbin/nologin' : '/bin/sh');
  const gecos = (busybox ? flagValue(args, '-g') : flagValue(args, '-c', '--comment', '--gecos')) ?? '';
  stage.users.set(name, { name, uid, gid, home, shell, gecos });
  const createHome = busybox ? !hasFlag(args, '-H') : debianAdduser ? !hasFlag(args, '--no-create-home') : hasFlag(args, '-m', '--create-home');
  // Debian's adduser makes a user's home 0700 (DIR_MODE in bookworm's /etc/adduser.conf).
  if (createHome && home !== '/') stage.directories.set(home, { path: home, mode: debianAdduser && !system ? '0700' : null, owner: `${uid}:${gid}` });
  // Debian's useradd -m and adduser copy /etc/skel (.bashrc, .profile, .bash_logout) into the home; the Nix image has no /etc/skel.
  const skel = createHome && home !== '/' && !busybox && !system;
  return {
    status: uidText && !skel && assumed === null ? 'mapped' : 'approximated',
    rule: 'run.useradd',
    message: `${program} ${name}: user ${name} (uid ${uid}, gid ${gid}) in /etc/passwd through fakeNss${createHome ? `, home ${home}` : ''}${uidText ? '' : '; the uid is the one the tool would pick in an empty image'}${skel ? '; the files /etc/skel would put in the home (.bashrc, .profile) are not copied' : ''}${assumed === null ? '' : `; group ${assumed} is not made in this Dockerfile: taken to be the base image's, with gid ${gid} picked here (the tool fails where the base image has no such group)`}`,
  };
}

export function addGroup(words: string[], scope: CommandScope): Outcome {
  const { stage } = scope;
  const program = words[0]!;
  const debian = program === 'groupadd' || words.slice(1).some((w) => w.startsWith('--'));
  const args = parseArgs(words.slice(1), new Set(['-g', '--gid', '-K', '--key', '-p', '--password', '-R', '--root']));
  const name = args.operands[0];
  if (!name) return { status: 'manual', rule: 'run.groupadd', message: `${words.join(' ')}: no group name` };
  const refused = badField([
    ['group name', name],
    ['user name', args.operands[1]],
  ]);
  if (refused) return { status: 'manual', rule: 'run.groupadd', message: `${program}: ${refused}; not converted` };
  // BusyBox `addgroup USER GROUP` adds a user to a group: nothing to create.
  if (!debian && args.operands.length === 2)
    return {
      status: 'mapped',
      rule: 'run.groupadd',
      message: `addgroup ${name} ${args.operands[1]}: supplementary group membership (kept as the user's primary group only)`,
    };
  const system = hasFlag(args, '-r', '--system', '-S');
  const gidText = flagValue(args, '-g', '--gid');
  const gid = ensureGroup(stage, name, gidText && /^\d+$/.test(gidText) ? Number(gidText) : null, system);
  return {
    status: gidText ? 'mapped' : 'approximated',
    rule: 'run.groupadd',
    message: `${program} ${name}: group ${name} (gid ${gid}) in /etc/group through fakeNss`,
  };
}
