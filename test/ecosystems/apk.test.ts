/** apk's truth table: each RUN line through the real planner, and the status its report must have. */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

runTester(
  'apk',
  {
    mapped: [
      { code: 'apk add --no-cache curl', rule: 'run.apk.install', check: (plan) => expect(plan.image.contents).toContain('curl') },
      'apk add curl=8.5.0-r0',
      'sudo apk add --no-cache git',
      'env DEBIAN_FRONTEND=noninteractive apk add git',
      {
        code: 'apk add --no-cache --virtual .build-deps gcc musl-dev && apk add --no-cache curl && apk del .build-deps',
        // The virtual group was only there for the build: gone from the image, and the curl stays.
        check: (plan) => {
          expect(plan.image.contents).toContain('curl');
          expect(plan.image.contents).not.toContain('gcc');
        },
      },
    ],
    approximated: [{ code: 'if true; then apk add curl; fi', message: /runs only under a condition/ }],
    manual: [
      { code: 'apk add --no-cache not-a-package-dock2nix-knows', rule: 'run.apk.install' },
      { code: 'apk frobnicate', rule: 'run.apk.unknown' },
      { code: 'apk add curl $EXTRA', message: /only known at build time, so not mapped: \$EXTRA/ },
      { code: 'apk add --no-cache curl > /etc/apk-log', rule: 'run.writes-file' },
    ],
    ignored: [
      { code: 'apk update', rule: 'run.apk.noop' },
      { code: 'apk upgrade --no-cache', rule: 'run.apk.noop' },
      { code: 'apk del curl', rule: 'run.apk.del' },
      { code: 'apk --version', rule: 'run.version-check' },
      // An empty word is no name: the shell passes none (it was reported as an unmapped "" before).
      { code: 'apk add $PKGS', before: 'ARG PKGS=""' },
    ],
  },
  { base: 'alpine:3.20' },
);
