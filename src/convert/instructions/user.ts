/** USER: the image's user, and a passwd entry for a name the Dockerfile did not create. */
import { userIds, type Outcome, type StageState } from '../stage.js';

export function decideUser(user: string, group: string | null, state: StageState): Outcome {
  state.user = group ? `${user}:${group}` : user;
  state.config.User = state.user;
  if (user === 'root' || user === '0') return { status: 'mapped', rule: 'user', message: 'runs as root' };
  if (/^\d+$/.test(user)) return { status: 'mapped', rule: 'user', message: `runs as uid ${user}${group ? `, gid ${group}` : ''}` };
  if (state.kept) return keptBaseUser(user, state);
  const known = state.users.get(user);
  if (known) return { status: 'mapped', rule: 'user', message: `runs as ${user} (uid ${known.uid}); /etc/passwd and /etc/group come from fakeNss` };
  if (user === 'nobody') return { status: 'mapped', rule: 'user', message: 'runs as nobody, which fakeNss provides' };
  if (/[:\u0000-\u001f\u007f]/.test(`${user}${group ?? ''}`)) {
    return {
      status: 'manual',
      rule: 'user.unknown',
      message: `user ${JSON.stringify(user)}: a name with a ":" or a control character cannot be an /etc/passwd entry; not added`,
    };
  }
  const wellKnown = user === 'nonroot' ? userIds(user, state) : undefined;
  if (wellKnown) {
    state.users.set(user, { name: user, uid: wellKnown.uid, gid: wellKnown.gid, gecos: '', home: '/home/nonroot', shell: '/sbin/nologin' });
    if (!state.groups.has(user)) state.groups.set(user, { name: user, gid: wellKnown.gid });
    return { status: 'mapped', rule: 'user', message: `runs as the distroless image's ${user} (uid ${wellKnown.uid}), added to /etc/passwd through fakeNss` };
  }
  // A user the base image had but we do not know: give it an entry (and a group) so the name resolves.
  const taken = new Set([...state.users.values()].map((u) => u.uid));
  let uid = 1000;
  while (taken.has(uid)) uid++;
  const gid = group && /^\d+$/.test(group) ? Number(group) : (state.groups.get(group ?? user)?.gid ?? uid);
  if (!group || !/^\d+$/.test(group)) state.groups.set(group ?? user, { name: group ?? user, gid });
  state.users.set(user, { name: user, uid, gid, gecos: '', home: '/', shell: '/bin/sh' });
  return {
    status: 'approximated',
    rule: 'user.unknown',
    message: `user ${user} is not created in this Dockerfile (the base image may have had it); added to /etc/passwd with uid ${state.users.get(user)!.uid}`,
  };
}

/** On a kept base (partial migration) the base's own /etc/passwd stays, and nothing of fakeNss is written over it. */
function keptBaseUser(user: string, state: StageState): Outcome {
  if (state.kept!.users.includes(user))
    return { status: 'mapped', rule: 'user', message: `runs as ${user}, a user of the kept base image (its /etc/passwd stays)` };
  if (state.users.has(user)) {
    return {
      status: 'approximated',
      rule: 'user.kept-base',
      message: `runs as ${user}, which this Dockerfile creates; on the kept base image it is not written into /etc/passwd: add it to the base image, or run as a numeric uid`,
    };
  }
  return {
    status: 'approximated',
    rule: 'user.kept-base',
    message: `runs as ${user}, taken to be a user of the kept base image (dock2nix cannot read its /etc/passwd; check with docker run --rm --entrypoint id <image> ${user})`,
  };
}
