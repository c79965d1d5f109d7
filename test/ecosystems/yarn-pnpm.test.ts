/** Yarn 1's and pnpm's truth table. */
import { runTester } from '../helpers/run-tester.js';

const files = {
  'package.json': '{"name":"app","version":"1.0.0","scripts":{"build":"vite build"}}',
  'yarn.lock': '# yarn lockfile v1\n',
  'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
  'berry/package.json': '{"name":"b"}',
  'berry/yarn.lock': '__metadata:\n  version: 8\n',
};

runTester(
  'yarn-pnpm',
  {
    mapped: [
      { code: 'yarn install --frozen-lockfile', before: 'WORKDIR /app\nCOPY package.json yarn.lock ./', rule: 'run.yarn.install' },
      { code: 'yarn install --frozen-lockfile && yarn build', before: 'WORKDIR /app\nCOPY package.json yarn.lock ./' },
      { code: 'pnpm install --frozen-lockfile', before: 'WORKDIR /app\nCOPY package.json pnpm-lock.yaml ./', rule: 'run.pnpm.install' },
    ],
    approximated: [
      {
        code: 'pnpm install --prod',
        before: 'WORKDIR /app\nCOPY package.json pnpm-lock.yaml ./',
        rule: 'run.pnpm.install',
        message: /dev dependencies are installed too/,
      },
    ],
    manual: [
      { code: 'yarn install', before: 'WORKDIR /app\nCOPY package.json ./', rule: 'run.node.other-manager', message: /no yarn\.lock/ },
      { code: 'yarn install', before: 'WORKDIR /app\nCOPY berry/ ./', rule: 'run.node.other-manager', message: /Berry/ },
      { code: 'yarn add left-pad', before: 'WORKDIR /app\nCOPY package.json yarn.lock ./', rule: 'run.yarn.add' },
    ],
    ignored: [
      { code: 'yarn cache clean', rule: 'run.yarn.noop' },
      { code: 'pnpm store prune', rule: 'run.pnpm.noop' },
    ],
  },
  { base: 'node:22', files },
);
