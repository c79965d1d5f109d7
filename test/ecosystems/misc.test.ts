/** No-ops and downloads. */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

runTester('misc', {
  mapped: [
    {
      // The file is known: placed with its text, and the chmod after it reaches a file, not a folder.
      code: 'echo "API_KEY=changeme" > .env && chmod 600 .env',
      before: 'WORKDIR /app',
      message: /\/app\/\.env is placed with its text/,
      check: (plan) => {
        expect(plan.image.files).toContainEqual(
          expect.objectContaining({ dest: '/app/.env', source: { kind: 'text', content: 'API_KEY=changeme\n', name: '.env' } }),
        );
        expect(plan.image.pathChanges).toContainEqual(expect.objectContaining({ path: '/app/.env', change: { kind: 'mode', mode: '600' } }));
      },
    },
    {
      code: 'echo -n ok > /srv/health',
      rule: 'run.echo.file',
      check: (plan) =>
        expect(plan.image.files).toContainEqual(expect.objectContaining({ dest: '/srv/health', source: { kind: 'text', content: 'ok', name: 'health' } })),
    },
  ],
  manual: [
    { code: 'curl -fsSL https://example.org/x.tar.gz -o /tmp/x.tar.gz', rule: 'run.download', message: /fetchurl/ },
    { code: 'wget -q https://example.org/tool', rule: 'run.download' },
    // Text echo cannot be sure of: a backslash (dash's echo reads escapes), an append, a user other than root.
    { code: 'echo "a\\tb" > /etc/motd', rule: 'run.writes-file' },
    { code: 'echo hi >> /etc/motd', rule: 'run.writes-file' },
    { code: 'echo -e hi > /etc/motd', rule: 'run.writes-file' },
    { code: 'echo hi > /etc/motd', before: 'USER 1000', rule: 'run.writes-file' },
    { code: 'echo $SECRET > /etc/motd', rule: 'run.writes-file' },
    { code: 'cd $DIR && ls', rule: 'run.manual' },
  ],
  ignored: [
    { code: 'echo "building"', rule: 'run.noop' },
    { code: 'set -eux', rule: 'run.noop' },
    { code: 'true', rule: 'run.noop' },
    { code: 'env', rule: 'run.noop' },
    { code: 'ls -la /app', rule: 'run.noop' },
    { code: 'which curl', rule: 'run.noop' },
    { code: 'echo $HOME', rule: 'run.noop' },
  ],
});
