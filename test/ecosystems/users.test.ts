/** Users and groups: /etc/passwd and /etc/group lines for fakeNss. */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

runTester('users', {
  mapped: [
    {
      code: 'groupadd -g 1000 app && useradd -u 1000 -g app -M app',
      check: (plan) => expect(plan.image.users?.passwd.join('\n')).toMatch(/^app:x:1000:1000:/m),
    },
    { code: 'sudo groupadd -g 1001 app', rule: 'run.groupadd' },
  ],
  approximated: [
    { code: 'useradd -m app', message: /skel/ },
    // The ids the tools would pick in an empty image: not known to be the image's.
    { code: 'groupadd -r app', rule: 'run.groupadd', message: /gid 999/ },
    { code: 'addgroup -S app && adduser -S -G app -H app', base: 'alpine:3.20' },
    { code: 'sudo useradd -r -M -s /usr/sbin/nologin svc', message: /uid 999/ },
    // Was mapped: a group the Dockerfile never made is the base image's guess (useradd fails without it).
    { code: 'useradd -u 1000 -g www-data app', message: /group www-data is not made in this Dockerfile/ },
  ],
  manual: [{ code: 'useradd -u 1000 -g "a:b" app', message: /holds a ":"/ }],
});
