/** Bun's truth table: bun install from bun.lock → a fixed-output node_modules, bun run scripts → the derivation's build. */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../../src/convert/convert.js';
import { memoryContext } from '../../src/convert/context.js';
import type { MigrationPlan } from '../../src/convert/types.js';
import { loadRules } from '../../src/io/rules-files.js';
import { runCase, runTester } from '../helpers/run-tester.js';
import { shell } from '../helpers/shell.js';

const packageJson = JSON.stringify({ name: 'svc', version: '1.0.0', scripts: { build: 'bun build ./index.ts --outdir dist', start: 'bun dist/index.js' } });
const files = { 'package.json': packageJson, 'bun.lock': '{ "lockfileVersion": 1 }\n', 'index.ts': '' };
const before = 'WORKDIR /app\nCOPY package.json bun.lock ./';
const bunBuild = (plan: MigrationPlan) => {
  const build = plan.derivations.map((d) => d.build).find((b) => b.kind === 'npm' && b.manager === 'bun');
  expect(build, 'a Bun derivation').toBeDefined();
  return build as Extract<typeof build, { kind: 'npm' }>;
};

runTester(
  'bun',
  {
    mapped: [
      {
        code: 'bun install --frozen-lockfile --ignore-scripts',
        rule: 'run.bun.install',
        check: (plan) => expect(bunBuild(plan)).toMatchObject({ dependencies: 'bunInstall', lockFile: 'bun.lock', omitDev: false, buildScript: null }),
      },
      {
        code: 'bun install --frozen-lockfile --ignore-scripts --production',
        check: (plan) => expect(bunBuild(plan).omitDev).toBe(true),
      },
      {
        code: 'bun install --frozen-lockfile --ignore-scripts && bun run build',
        check: (plan) => expect(bunBuild(plan).buildScript).toBe('build'),
      },
      // `bun start` runs the script; `bun build` would be Bun's bundler, whatever package.json says.
      { code: 'bun install --ci --ignore-scripts && bun start', rule: 'run.mapped', check: (plan) => expect(bunBuild(plan).buildScript).toBe('start') },
      {
        code: 'bun install --frozen-lockfile --ignore-scripts',
        before: 'COPY bun.lockb ./',
        files: { 'bun.lock': null, 'bun.lockb': 'binary' },
        check: (plan) => expect(bunBuild(plan).lockFile).toBe('bun.lockb'),
      },
    ],
    approximated: [
      { code: 'bun install', rule: 'run.bun.install', message: /lifecycle scripts.*--frozen-lockfile is added/ },
      { code: 'bun install --frozen-lockfile', message: /lifecycle scripts/ },
      { code: 'bun install --frozen-lockfile --ignore-scripts', before: 'ENV NODE_ENV=production', message: /NODE_ENV=production/ },
      {
        code: 'bun install --frozen-lockfile --ignore-scripts && bun build ./index.ts --outdir dist',
        message: /Bun's bundler/,
        check: (plan) => expect(plan.derivations[0]!.replays.map((r) => r.source)).toEqual(['bun build ./index.ts --outdir dist']),
      },
    ],
    manual: [
      { code: 'bun install', files: { 'bun.lock': null }, rule: 'run.bun.no-lock', message: /no bun\.lock copied/ },
      { code: 'bun add hono', rule: 'run.bun.add' },
      { code: 'bun install hono', rule: 'run.bun.add' },
      { code: 'bun install -g typescript', rule: 'run.bun.global' },
      { code: 'bun --cwd web install', rule: 'run.bun.elsewhere' },
      { code: 'cd /tmp && bun install', rule: 'run.manual' },
      { code: 'bun run build', rule: 'run.bun.run', message: /no bun install/ },
      { code: 'bun install --frozen-lockfile --ignore-scripts && bun run lint', rule: 'run.manual' },
      { code: 'bun run scripts/seed.ts', rule: 'run.bun.run' },
      { code: 'bunx prisma generate', rule: 'run.bun.unknown' },
      { code: 'bun upgrade', rule: 'run.bun.upgrade' },
    ],
    ignored: [
      { code: 'bun test', rule: 'run.bun.test' },
      { code: 'bun pm cache rm', rule: 'run.bun.noop' },
    ],
  },
  { base: 'oven/bun:1', before, files },
);

describe('bun: the image', () => {
  it('has bun from the base, and the derivation placed at the WORKDIR', () => {
    const { plan } = runCase({ code: 'bun install --frozen-lockfile --ignore-scripts' }, { base: 'oven/bun:1', before, files });
    expect(plan.image.contents).toContain('bun');
    expect(plan.image.files.some((f) => f.dest === '/app' && f.source.kind === 'derivation')).toBe(true);
    expect(plan.image.config.Cmd).toEqual(['bun']);
  });
});

describe("bun: the base image's entry point", () => {
  const convert = (from: string, cmd: string) =>
    convertDockerfile(`FROM ${from}\nWORKDIR /app\nCOPY index.ts ./\nCMD ${cmd}\n`, memoryContext({ 'index.ts': '' }), loadRules(), {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'test',
      contextFromOutput: '..',
      outputInContext: 'nix',
    }).plan;
  const cmdReport = (plan: MigrationPlan) => plan.instructions.find((i) => i.keyword === 'CMD')!;

  it('puts bun in front of a Bun subcommand, an option or a script file, as its docker-entrypoint.sh does', () => {
    const plan = convert('oven/bun:1', '["run", "index.ts"]');
    expect(plan.image.config.Cmd).toEqual(['bun', 'run', 'index.ts']);
    expect(cmdReport(plan)).toMatchObject({ status: 'mapped' });
    expect(cmdReport(plan).message).toMatch(/a Bun subcommand, which oven\/bun's entry point script runs with bun/);
    expect(convert('oven/bun:1', '["index.ts"]').image.config.Cmd).toEqual(['bun', 'index.ts']);
    expect(convert('docker.io/oven/bun:1', '["--smol", "index.ts"]').image.config.Cmd).toEqual(['bun', '--smol', 'index.ts']);
  });

  it('leaves a program alone, and any other base', () => {
    expect(convert('oven/bun:1', '["bun", "index.ts"]').image.config.Cmd).toEqual(['bun', 'index.ts']);
    expect(convert('oven/bun:1', 'bun run index.ts').image.config.Cmd).toEqual(['/bin/sh', '-c', 'bun run index.ts']);
    expect(convert('node:22', '["run", "index.ts"]').image.config.Cmd).toEqual(['run', 'index.ts']);
  });
});
