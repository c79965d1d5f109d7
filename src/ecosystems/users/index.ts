/** Users and groups (useradd, adduser, groupadd, addgroup): /etc/passwd and /etc/group lines for fakeNss. */
import { defineEcosystem, type ProgramHandler } from '../define.js';
import { addGroup, addUser } from './users.js';

const userAdd: ProgramHandler = (words, _command, scope) => addUser(words, scope);
const groupAdd: ProgramHandler = (words, _command, scope) => addGroup(words, scope);

export default defineEcosystem({
  id: 'users',
  summary: 'Users and groups (useradd, adduser, groupadd, addgroup)',
  programs: { useradd: userAdd, adduser: userAdd, groupadd: groupAdd, addgroup: groupAdd },
  cwdIndependent: true,
});
