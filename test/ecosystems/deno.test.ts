/** Deno's truth table: downloads of dependencies are manual (nixpkgs has no Deno fetcher), checks are ignored. */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../../src/convert/convert.js';
import { memoryContext } from '../../src/convert/context.js';
import { loadRules } from '../../src/io/rules-files.js';
import { runCase, runTester } from '../helpers/run-tester.js';
import { shell } from '../helpers/shell.js';

const files = { 'deno.json': '{ "tasks": { "build": "deno run -A build.ts" } }\n', 'deno.lock': '{ "version": "5" }\n', 'main.ts': '' };

runTester(
  'deno',
  {
    manual: [
      {
        code: 'deno install',
        rule: 'run.deno.install',
        message: /no fetcher for Deno dependencies.*"vendor": true.*DENO_DIR=\$out.*when the container starts/,
      },
      { code: 'deno install --frozen --entrypoint main.ts', rule: 'run.deno.install' },
      { code: 'deno cache main.ts', rule: 'run.deno.cache', message: /deno cache main\.ts: downloads/ },
      { code: 'deno cache --reload --lock=deno.lock main.ts', rule: 'run.deno.cache' },
      { code: 'deno install npm:express', rule: 'run.deno.add', message: /adds packages that deno\.json does not list/ },
      { code: 'deno add jsr:@std/path', rule: 'run.deno.add' },
      { code: 'deno install -g -A -n tool https://example.org/tool.ts', rule: 'run.deno.add', message: /installs a program globally/ },
      { code: 'deno compile --allow-net -o /app/server main.ts', rule: 'run.deno.compile', message: /denort/ },
      { code: 'deno task build', rule: 'run.deno.task', message: /"deno run -A build\.ts" \(deno\.json\)/ },
      { code: 'deno task missing', rule: 'run.deno.task', message: /a task of deno\.json dock2nix cannot read/ },
      { code: 'deno run --allow-net main.ts', rule: 'run.deno.run' },
      { code: 'deno upgrade', rule: 'run.deno.upgrade' },
      { code: 'deno', rule: 'run.deno.unknown' },
    ],
    ignored: [
      { code: 'deno --help', rule: 'run.deno.noop' },
      { code: 'deno --version', rule: 'run.version-check' },
      { code: 'deno info', rule: 'run.deno.noop' },
      { code: 'deno test -A', rule: 'run.deno.check' },
      { code: 'deno lint && deno fmt --check', rule: 'run.ignored' },
      { code: 'deno check main.ts', rule: 'run.deno.check' },
    ],
  },
  { base: 'denoland/deno:2.1.4', before: 'WORKDIR /app\nCOPY . .', files },
);

describe('deno: the image', () => {
  it('keeps deno and the app, and marks the dependency download where it goes', () => {
    const { plan } = runCase({ code: 'deno cache main.ts' }, { base: 'denoland/deno:2.1.4', before: 'WORKDIR /app\nCOPY . .', files });
    expect(plan.image.contents).toContain('deno');
    expect(plan.derivations).toEqual([]);
    expect(plan.image.config.Entrypoint).toEqual(['deno']);
    expect(plan.image.files.some((f) => f.dest === '/app')).toBe(true);
  });
});

describe("deno: the base image's entry point", () => {
  const config = (cmd: string) =>
    convertDockerfile(`FROM denoland/deno:2.1.4\nWORKDIR /app\nCOPY main.ts ./\nCMD ${cmd}\n`, memoryContext({ 'main.ts': '' }), loadRules(), {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'test',
      contextFromOutput: '..',
      outputInContext: 'nix',
    }).plan.image.config;

  it('keeps the Entrypoint of deno for a Deno subcommand or option, as the image passes those to deno', () => {
    expect(config('["run", "--allow-net", "main.ts"]')).toMatchObject({ Entrypoint: ['deno'], Cmd: ['run', '--allow-net', 'main.ts'] });
    expect(config('["task", "start"]').Entrypoint).toEqual(['deno']);
    expect(config('["--version"]').Entrypoint).toEqual(['deno']);
  });

  it('drops it for any other command, which the image runs as it is (deno deno run … would fail)', () => {
    expect(config('["deno", "run", "--allow-net", "main.ts"]')).toMatchObject({ Entrypoint: null, Cmd: ['deno', 'run', '--allow-net', 'main.ts'] });
    expect(config('deno task start')).toMatchObject({ Entrypoint: null, Cmd: ['/bin/sh', '-c', 'deno task start'] });
  });
});
