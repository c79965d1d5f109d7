/** npm's truth table: buildNpmPackage steps, global installs, npx. */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

const app = { 'package.json': '{"name":"app","version":"1.0.0","scripts":{"build":"vite build"},"devDependencies":{"vite":"5"}}', 'package-lock.json': '{}' };
const copied = 'WORKDIR /app\nCOPY package.json package-lock.json ./';

runTester(
  'npm',
  {
    mapped: [
      { code: 'npm ci', before: copied, rule: 'run.npm.ci', check: (plan) => expect(plan.derivations.some((d) => d.build.kind === 'npm')).toBe(true) },
      { code: 'npm ci --omit=dev', before: copied, message: /without dev dependencies/ },
      { code: 'npm ci && npm run build', before: copied },
      { code: 'npm install -g typescript', rule: 'run.npm.global' },
      { code: 'env NODE_ENV=production npm ci', before: copied, message: /without dev dependencies/ },
    ],
    approximated: [
      { code: 'npm install', before: copied, rule: 'run.npm.install' },
      { code: 'npm ci && npx vite build', before: copied },
    ],
    manual: [
      { code: 'npm install left-pad', before: copied, rule: 'run.npm.add' },
      { code: 'npx some-tool-not-in-package-json', before: copied, rule: 'run.npx' },
      { code: 'npm frobnicate', rule: 'run.npm.unknown' },
    ],
    ignored: [
      { code: 'npm cache clean --force', rule: 'run.npm.noop' },
      { code: 'npm test', rule: 'run.npm.test' },
      { code: 'npm --version', rule: 'run.version-check' },
      { code: 'npm prune', before: copied, rule: 'run.npm.noop' },
    ],
  },
  { base: 'node:22', files: app },
);
