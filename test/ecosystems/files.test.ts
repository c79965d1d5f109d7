/** Files and folders: mkdir/chmod/chown/rm of what the Dockerfile placed, ln -s, build outputs copied, caches removed. */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

runTester(
  'files',
  {
    mapped: [
      { code: 'mkdir -p /data', check: (plan) => expect(plan.image.directories.map((d) => d.path)).toContain('/data') },
      { code: 'ln -s /usr/bin/python3 /usr/local/bin/python', rule: 'run.ln' },
      { code: 'chmod 755 /app/run.sh', before: 'COPY run.sh /app/run.sh' },
      { code: 'chown 1000:1000 /app/run.sh', before: 'COPY run.sh /app/run.sh' },
    ],
    approximated: [{ code: 'rm -rf /opt/something', rule: 'run.rm' }],
    manual: [
      { code: 'ln /a /b', rule: 'run.ln' },
      { code: 'cp /etc/hosts /tmp/hosts', rule: 'run.unknown' },
      { code: 'touch /app/ready', rule: 'run.unknown' },
      { code: 'chmod not-a-mode /app/run.sh', before: 'COPY run.sh /app/run.sh' },
    ],
    ignored: [
      { code: 'rm -rf /var/lib/apt/lists/*', rule: 'run.cleanup' },
      { code: 'rm -rf /var/cache/apk/* /tmp/*', rule: 'run.cleanup' },
      { code: 'rm -rf /var/cache/dnf /var/cache/yum', rule: 'run.cleanup' },
      { code: 'rm -rf /root/.cache /root/.npm', rule: 'run.cleanup' },
    ],
  },
  { files: { 'run.sh': '#!/bin/sh\n' } },
);
