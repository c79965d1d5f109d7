/** apt's truth table. */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

runTester('apt', {
  mapped: [
    {
      code: 'apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
      check: (plan) => expect(plan.image.contents).toContain('curl'),
    },
    { code: 'apt-get install -y curl=7.88.1-10+deb12u5', rule: 'run.apt.install', message: /pinned versions/ },
    'apt install -y git',
    'sudo apt-get install -y curl',
    'env DEBIAN_FRONTEND=noninteractive apt-get install -y curl',
    {
      code: 'apt-get install -y gcc curl && apt-get purge -y gcc',
      check: (plan) => {
        expect(plan.image.contents).toContain('curl');
        expect(plan.image.contents).not.toContain('gcc');
      },
    },
  ],
  manual: [
    { code: 'apt-get install -y not-a-package-dock2nix-knows', rule: 'run.apt.install' },
    { code: 'apt-get frobnicate', rule: 'run.apt.unknown' },
    // A local .deb was left out of the install without a word; now it is reported.
    { code: 'apt-get install -y ./vendor.deb', message: /vendor\.deb/ },
  ],
  ignored: [
    { code: 'apt-get update', rule: 'run.apt.noop' },
    { code: 'apt-get clean', rule: 'run.apt.noop' },
    { code: 'apt-get purge -y --auto-remove curl', rule: 'run.apt.remove' },
    { code: 'apt-get remove -y curl', rule: 'run.apt.remove' },
    { code: 'apt-mark hold curl', rule: 'run.apt.noop' },
    { code: 'echo "tzdata tzdata/Areas select Europe" | debconf-set-selections', rule: 'run.ignored' },
  ],
});
