/** update-ca-certificates: the image gets dockerTools.caCertificates. */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

runTester(
  'certificates',
  {
    mapped: [
      { code: 'update-ca-certificates', rule: 'run.ca-certificates', check: (plan) => expect(plan.image.contents).toContain('dockerTools.caCertificates') },
      { code: 'sudo update-ca-certificates --fresh', rule: 'run.ca-certificates' },
      { code: 'cd /nowhere-known-$X && update-ca-certificates', rule: 'run.mapped' },
    ],
    // Was mapped: the bundle Nix provides lacks the certificate the Dockerfile added.
    manual: [{ code: 'update-ca-certificates', before: 'COPY corp.crt /usr/local/share/ca-certificates/corp.crt', message: /extraCertificateFiles/ }],
  },
  { files: { 'corp.crt': '-----BEGIN CERTIFICATE-----\n' } },
);
