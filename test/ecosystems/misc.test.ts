/** No-ops and downloads. */
import { runTester } from '../helpers/run-tester.js';

runTester('misc', {
  manual: [
    { code: 'curl -fsSL https://example.org/x.tar.gz -o /tmp/x.tar.gz', rule: 'run.download', message: /fetchurl/ },
    { code: 'wget -q https://example.org/tool', rule: 'run.download' },
    { code: 'echo hi > /etc/motd', rule: 'run.writes-file' },
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
