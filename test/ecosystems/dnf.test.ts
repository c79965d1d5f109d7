/** dnf's truth table: Fedora, RHEL UBI and Amazon Linux installs (dnf, microdnf, yum). */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

runTester(
  'dnf',
  {
    mapped: [
      { code: 'dnf install -y curl && dnf clean all', check: (plan) => expect(plan.image.contents).toContain('curl') },
      {
        code: 'microdnf install -y --nodocs --setopt=install_weak_deps=0 shadow-utils',
        rule: 'run.dnf.install',
        check: (plan) => expect(plan.image.contents).toContain('shadow'),
      },
      { code: 'yum install -y git-core && yum clean all && rm -rf /var/cache/yum', check: (plan) => expect(plan.image.contents).toContain('git') },
      { code: 'dnf install -y --setopt tsflags=nodocs jq-1.6 curl-7.76.1-26.el9.x86_64', message: /pinned versions .*jq 1\.6, curl 7\.76\.1-26\.el9/ },
      { code: 'dnf install -y java-17-openjdk-headless', check: (plan) => expect(plan.image.contents.join(' ')).toMatch(/jdk17_headless|jre17/) },
      'sudo dnf -y install openssl',
      // Repository definitions: nothing to install in Nix, which the table says (mapped to nothing).
      { code: 'dnf install -y epel-release', rule: 'run.dnf.install', message: /not needed in Nix: epel-release/ },
      {
        code: 'dnf install -y gcc make curl && dnf remove -y gcc make',
        check: (plan) => {
          expect(plan.image.contents).toContain('curl');
          expect(plan.image.contents).not.toContain('gcc');
        },
      },
    ],
    manual: [
      { code: 'dnf install -y not-a-package-dock2nix-knows', rule: 'run.dnf.install' },
      { code: 'dnf install -y https://example.org/x-1.0.rpm', message: /package file or URL/ },
      { code: 'dnf groupinstall -y "Development Tools"', rule: 'run.dnf.group' },
      { code: 'dnf module enable -y nodejs:20', rule: 'run.dnf.module' },
      { code: 'rpm -ivh /tmp/x.rpm', rule: 'run.rpm.unknown' },
      { code: 'dnf install -y curl $EXTRA', message: /only known at build time, so not mapped: \$EXTRA/ },
    ],
    ignored: [
      { code: 'dnf clean all', rule: 'run.dnf.noop' },
      { code: 'microdnf clean all', rule: 'run.dnf.noop' },
      { code: 'yum makecache', rule: 'run.dnf.noop' },
      { code: 'dnf upgrade -y --refresh', rule: 'run.dnf.noop' },
      { code: 'dnf config-manager --set-enabled crb', rule: 'run.dnf.repository' },
      { code: 'rpm --import https://example.org/RPM-GPG-KEY', rule: 'run.rpm.import' },
      { code: 'dnf remove -y curl', rule: 'run.dnf.remove' },
    ],
  },
  { base: 'registry.access.redhat.com/ubi9/ubi' },
);
