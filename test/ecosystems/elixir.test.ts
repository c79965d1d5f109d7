/** Elixir's truth table: mix deps.get/compile/release into mixRelease with fetchMixDeps, the versions, the release folder. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../../src/convert/convert.js';
import { memoryContext } from '../../src/convert/context.js';
import type { MigrationPlan } from '../../src/convert/types.js';
import { beamVersions } from '../../src/ecosystems/elixir/build.js';
import { fsContext } from '../../src/io/fs-context.js';
import { loadRules } from '../../src/io/rules-files.js';
import { projectsDir } from '../helpers/projects.js';
import { runTester } from '../helpers/run-tester.js';
import { shell } from '../helpers/shell.js';

const files = {
  'mix.exs': 'defmodule Shop.MixProject do\n  def project do\n    [app: :shop, version: "0.2.0", elixir: "~> 1.17"]\n  end\nend\n',
  'mix.lock': '%{}\n',
  'lib/shop.ex': '',
};
const mixBuild = (plan: MigrationPlan) => {
  const build = plan.derivations.map((d) => d.build).find((b) => b.kind === 'mix');
  expect(build, 'a mixRelease derivation').toBeDefined();
  return build as Extract<typeof build, { kind: 'mix' }>;
};
const HEXPM = 'hexpm/elixir:1.17.3-erlang-27.1.2-debian-bookworm-20241016-slim';
const release = 'mix deps.get --only prod && mix deps.compile && mix compile && mix release';

runTester(
  'elixir',
  {
    mapped: [
      {
        code: release,
        check: (plan) => {
          expect(mixBuild(plan)).toEqual({ kind: 'mix', beam: 'beamMinimal27Packages', elixir: 'elixir_1_17', mixEnv: 'prod', releaseName: null, line: 5 });
          expect(plan.derivations[0]).toMatchObject({ pname: 'shop', version: '0.2.0' });
        },
      },
      { code: 'mix release', before: 'RUN mix deps.get --only prod', rule: 'run.mix.release' },
      { code: 'mix release shop_web', before: 'RUN mix deps.get', check: (plan) => expect(mixBuild(plan).releaseName).toBe('shop_web') },
      { code: 'mix do deps.get, compile, release', check: (plan) => expect(mixBuild(plan).line).toBe(5) },
      { code: 'mix do deps.get + release', check: (plan) => expect(mixBuild(plan).mixEnv).toBe('prod') },
      { code: 'MIX_ENV=staging mix release', before: 'RUN mix deps.get', check: (plan) => expect(mixBuild(plan).mixEnv).toBe('staging') },
      {
        code: release,
        base: 'elixir:1.18.4-otp-28-alpine',
        check: (plan) => expect(mixBuild(plan)).toMatchObject({ beam: 'beamMinimal28Packages', elixir: 'elixir_1_18' }),
      },
    ],
    approximated: [
      {
        code: release,
        base: 'hexpm/elixir:1.15.6-erlang-26.1-debian-bullseye-20230612-slim',
        message: /Elixir 1\.15 is not in nixpkgs.*Elixir 1\.17.*erlang 26 is not in nixpkgs; using 27/,
        check: (plan) => expect(mixBuild(plan)).toMatchObject({ beam: 'beamMinimal27Packages', elixir: 'elixir_1_17' }),
      },
      {
        code: release,
        base: 'hexpm/elixir:1.17.3-erlang-28.0.2-alpine-3.21.3',
        message: /Elixir 1\.17 does not build with Erlang\/OTP 28.*using OTP 27/,
        check: (plan) => expect(mixBuild(plan).beam).toBe('beamMinimal27Packages'),
      },
      { code: release, base: 'elixir:1.19', message: /names no Erlang\/OTP version: using OTP 28/ },
      { code: release, base: 'debian:bookworm', message: /names no Elixir version/ },
    ],
    manual: [
      { code: 'mix deps.get && mix compile', message: /no mix release/ },
      { code: 'mix release --path /out', rule: 'run.mix.release' },
      { code: 'mix phx.server', rule: 'run.mix.unknown' },
      { code: 'mix assets.deploy', before: 'RUN mix deps.get', rule: 'run.mix.unknown' },
    ],
    ignored: [
      { code: 'mix local.hex --force', rule: 'run.mix.local' },
      { code: 'mix local.hex --force && mix local.rebar --force', rule: 'run.ignored' },
      { code: 'mix clean', rule: 'run.mix.noop' },
    ],
  },
  { base: HEXPM, before: 'WORKDIR /app\nENV MIX_ENV=prod\nCOPY . .', files },
);

function convert(dockerfile: string, context: Record<string, string | null> = files) {
  return convertDockerfile(dockerfile, memoryContext(context), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'shop',
    contextFromOutput: '..',
    outputInContext: 'nix',
  });
}

const multiStage = `FROM ${HEXPM} AS build
RUN mix local.hex --force && mix local.rebar --force
WORKDIR /app
ENV MIX_ENV=prod
COPY mix.exs mix.lock ./
RUN mix deps.get --only $MIX_ENV
COPY lib lib
RUN mix assets.deploy
RUN mix compile
RUN mix release
FROM debian:bookworm-slim
WORKDIR /app
COPY --from=build /app/_build/prod/rel/shop ./
CMD ["/app/bin/shop", "start"]
`;

describe('elixir: the release and the image', () => {
  it('places the release (mixRelease $out) where the Dockerfile copied its folder, and runs bin/shop', () => {
    const { plan, files: out } = convert(multiStage);
    expect(plan.instructions.find((i) => i.line === 13)).toMatchObject({ status: 'mapped' });
    expect(plan.instructions.find((i) => i.line === 14)).toMatchObject({ status: 'mapped' });
    expect(plan.image.files.find((f) => f.line === 13)).toMatchObject({ dest: '/app', source: { kind: 'derivation', path: '.' } });
    expect(out['default.nix']).toContain(`place "\${build}" 'app'`);
  });

  it('marks the dependencies hash at the deps.get line and replays the other mix task, marked', () => {
    const { plan, files: out } = convert(multiStage);
    expect(out['default.nix']).toContain('pkgs.beamMinimal27Packages.mixRelease {');
    expect(out['default.nix']).toContain('mixFodDeps = pkgs.beamMinimal27Packages.fetchMixDeps {');
    expect(out['default.nix']).toMatch(/# TODO\(dock2nix\): line 6: build once and paste the hash[^\n]*\n\s*hash = lib\.fakeHash;/);
    expect(out['default.nix']).toMatch(/preBuild = ''\n\s*# TODO\(dock2nix\): line 8: [^\n]*\n\s*mix assets\.deploy/);
    expect(out['default.nix']).toContain('removeCookie = false;');
    expect(plan.instructions.find((i) => i.line === 8)).toMatchObject({ status: 'manual' });
    expect(out.extra).toEqual({});
  });

  it('keeps a release built in the image stage itself where it was built', () => {
    const { plan } = convert(`FROM ${HEXPM}
WORKDIR /app
ENV MIX_ENV=prod
COPY . .
RUN mix deps.get --only prod && mix release
CMD ["/app/_build/prod/rel/shop/bin/shop", "start"]
`);
    expect(plan.image.files.find((f) => f.source.kind === 'derivation')).toMatchObject({ dest: '/app/_build/prod/rel/shop', source: { path: '.' } });
    expect(plan.instructions.find((i) => i.line === 6)).toMatchObject({ status: 'mapped' });
  });

  it('reads the versions of the two image families', () => {
    expect(beamVersions('hexpm/elixir', '1.16.3-erlang-26.2.5-alpine-3.19.1')).toEqual({ elixir: '1.16', otp: '26' });
    expect(beamVersions('elixir', '1.17-otp-27-slim')).toEqual({ elixir: '1.17', otp: '27' });
    expect(beamVersions('elixir', 'latest')).toEqual({ elixir: null, otp: null });
    expect(beamVersions('debian', '1.17')).toEqual({ elixir: null, otp: null });
  });
});

describe.skipIf(!existsSync(path.join(projectsDir, 'lpasz__rinha-de-backend-elixir')))('elixir: the corpus project lpasz/rinha-de-backend-elixir', () => {
  it('builds the release with mixRelease; only the hash and the runner stage locale step are left to the user', () => {
    const dir = path.join(projectsDir, 'lpasz__rinha-de-backend-elixir');
    const { plan, files: out } = convertDockerfile(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), fsContext(dir), loadRules(), {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'rinha',
      contextFromOutput: dir,
      outputInContext: null,
    });
    expect(plan.instructions.filter((i) => i.status === 'manual').map((i) => i.line)).toEqual([57]);
    expect(mixBuild(plan)).toMatchObject({ beam: 'beamMinimal27Packages', elixir: 'elixir_1_17', mixEnv: 'prod' });
    expect(plan.instructions.find((i) => i.line === 27)).toMatchObject({ status: 'approximated' });
    expect(plan.instructions.find((i) => i.line === 27)!.message).toMatch(/Elixir 1\.15.*Elixir 1\.17.*erlang 26.*27/);
    expect(plan.image.files.find((f) => f.line === 70)).toMatchObject({ dest: '/app', source: { kind: 'derivation', path: '.' } });
    expect(out['default.nix']).toMatch(/# TODO\(dock2nix\): line 27: build once and paste the hash/);
  });
});
