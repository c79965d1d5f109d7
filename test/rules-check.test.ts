/**
 * The nixpkgs check with the real nix-instantiate, against a small nixpkgs-shaped folder made here: present,
 * missing, drifted, a removed alias that throws, a broken package. Also version comparison, and the skips.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAttributes, checkPlan, planAttributes, renderCheckJson, renderCheckText, type AttributeCheck } from '../src/check/nixpkgs-check.js';
import { versionDrift } from '../src/check/versions.js';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { parseDockerignore } from '../src/convert/dockerignore.js';
import type { OutputFormat } from '../src/convert/types.js';
import { fsContext, readDockerignore } from '../src/io/fs-context.js';
import { isDock2nixError } from '../src/errors.js';
import { loadRules } from '../src/io/rules-files.js';
import { requireTool } from './helpers/tools.js';
import { shell } from './helpers/shell.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A nixpkgs stand-in: `import <nixpkgs> {}` gives these attributes (derivation-shaped sets, no builds). */
const STUB_NIXPKGS = `{ ... }:
let
  drv = name: version: extra: { type = "derivation"; name = "\${name}-\${version}"; inherit version; meta = { }; } // extra;
in
{
  curl = drv "curl" "8.5.0" { dev = drv "curl-dev" "8.5.0" { }; };
  python312 = drv "python3" "3.12.13" { };
  python312Packages = {
    flask = drv "python3.12-flask" "3.1.0" { };
    requests = drv "python3.12-requests" "2.32.3" { };
  };
  python27Packages = throw "python27Packages has been removed: Python 2 reached its end of life";
  oldtool = throw "'oldtool' has been removed, use curl instead";
  brokentool = drv "brokentool" "1.0" { meta = { broken = true; available = false; }; };
  insecuretool = drv "insecuretool" "0.9" { meta = { knownVulnerabilities = [ "CVE-2099-0001" ]; available = false; }; };
  onlyname = { type = "derivation"; name = "onlyname-4.2"; };
  # default.nix binds lib = pkgs.lib.
  lib = { };
  dockerTools = {
    buildLayeredImage = args: args;
    fakeNss = drv "fake-nss" "1.0" { };
    caCertificates = drv "ca-certificates" "1.0" { };
    usrBinEnv = drv "usr-bin-env" "1.0" { };
  };
}
`;

function makeNixpkgs(name: string, text: string): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'default.nix'), text);
  return dir;
}

const byAttr = (checks: AttributeCheck[], attr: string) => {
  const found = checks.find((c) => c.attr === attr);
  if (!found) throw new Error(`no result for ${attr}`);
  return found;
};

const hasNix = requireTool('nix-instantiate', 'the nixpkgs check against a stub nixpkgs');

describe.skipIf(!hasNix)('nixpkgs check (real nix-instantiate, stub nixpkgs)', () => {
  const nixpkgs = makeNixpkgs('stub', STUB_NIXPKGS);

  it('reports present, missing, drifted, throwing and broken attributes in one evaluation', async () => {
    const report = await checkAttributes(
      [
        { attr: 'curl', requested: '8.5.0-r0', sources: ['apk curl'] },
        { attr: 'curl.dev', requested: null, sources: ['apk curl-dev'] },
        { attr: 'python312', requested: '3.12', sources: ['FROM python:3.12'] },
        { attr: 'python312Packages.flask', requested: '2.0.1', sources: ['pip flask'] },
        { attr: 'python312Packages.requests', requested: '>=2.31,<3', sources: ['pip requests'] },
        { attr: 'python312Packages.nosuchmodule', requested: null, sources: ['pip nosuchmodule'] },
        { attr: 'nosuchpackage', requested: null, sources: ['apt nosuchpackage'] },
        { attr: 'oldtool', requested: null, sources: ['apk oldtool'] },
        { attr: 'python27Packages.flask', requested: null, sources: ['pip flask (python 2.7)'] },
        { attr: 'brokentool', requested: null, sources: [] },
        { attr: 'insecuretool', requested: null, sources: [] },
        { attr: 'onlyname', requested: '4', sources: [] },
        { attr: 'dockerTools.buildLayeredImage', requested: null, sources: [] },
        { attr: 'dockerTools.buildLayeredImage.x', requested: null, sources: [] },
      ],
      { nixpkgs },
    );
    expect(report.status).toBe('checked');
    expect(report.nixpkgs).toBe(nixpkgs);
    const a = report.attributes;
    expect(byAttr(a, 'curl')).toMatchObject({ present: true, version: '8.5.0', requested: '8.5.0-r0', drift: false, sources: ['apk curl'] });
    expect(byAttr(a, 'curl.dev')).toMatchObject({ present: true, version: '8.5.0' });
    expect(byAttr(a, 'python312')).toMatchObject({ present: true, version: '3.12.13', drift: false });
    expect(byAttr(a, 'python312Packages.flask')).toMatchObject({ present: true, version: '3.1.0', requested: '2.0.1', drift: true });
    expect(byAttr(a, 'python312Packages.requests')).toMatchObject({ present: true, drift: false });
    expect(byAttr(a, 'python312Packages.nosuchmodule')).toMatchObject({
      present: false,
      problem: 'missing',
      reason: '"python312Packages" has no attribute "nosuchmodule"',
    });
    expect(byAttr(a, 'nosuchpackage')).toMatchObject({ present: false, problem: 'missing', reason: 'nixpkgs has no attribute "nosuchpackage"' });
    // tryEval drops the message; the second call reads it, so the user learns what replaced the alias.
    expect(byAttr(a, 'oldtool')).toMatchObject({ present: false, problem: 'throws' });
    expect(byAttr(a, 'oldtool').reason).toContain("'oldtool' has been removed, use curl instead");
    expect(byAttr(a, 'python27Packages.flask').reason).toMatch(/^evaluating "python27Packages" throws: python27Packages has been removed/);
    expect(byAttr(a, 'brokentool')).toMatchObject({ present: false, problem: 'unavailable', version: '1.0' });
    expect(byAttr(a, 'brokentool').reason).toMatch(/broken/);
    expect(byAttr(a, 'insecuretool').reason).toMatch(/marked insecure in nixpkgs: CVE-2099-0001/);
    expect(byAttr(a, 'onlyname')).toMatchObject({ present: true, version: '4.2', drift: false });
    expect(byAttr(a, 'dockerTools.buildLayeredImage')).toMatchObject({ present: true, version: null, drift: null });
    expect(byAttr(a, 'dockerTools.buildLayeredImage.x').reason).toMatch(/is not an attribute set/);
    expect(report.summary).toEqual({ checked: 14, present: 7, missing: 7, drifted: 1 });

    const text = renderCheckText(report);
    expect(text).toMatch(/python312Packages\.flask\s+3\.1\.0 vs 2\.0\.1\s+DRIFT/);
    expect(text).toMatch(/curl\s+8\.5\.0 vs 8\.5\.0-r0\s+ok/);
    expect(text).toMatch(/nosuchpackage\s+nixpkgs has no attribute "nosuchpackage"/);
    expect(text).toMatch(/Checked 14 attributes against .*: 7 present, 7 missing, 1 with version drift\./);
    expect(JSON.parse(renderCheckJson(report))).toEqual(report);
  });

  it('uses <nixpkgs> from NIX_PATH when no path is given', async () => {
    const report = await checkAttributes([{ attr: 'curl', requested: null, sources: [] }], { env: { NIX_PATH: `nixpkgs=${nixpkgs}` } });
    expect(report).toMatchObject({ status: 'checked', nixpkgs: '<nixpkgs>', summary: { present: 1 } });
  });

  it('skips in one line when <nixpkgs> cannot be found', async (context) => {
    // A machine with a nixpkgs channel finds <nixpkgs> without NIX_PATH; this case cannot be set up there.
    const probe = spawnSync('nix-instantiate', ['--eval', '-E', '<nixpkgs>'], { env: { ...process.env, NIX_PATH: '' }, encoding: 'utf8' });
    if (probe.status === 0) {
      console.warn('SKIP: this machine has a nixpkgs channel, so <nixpkgs> resolves without NIX_PATH');
      context.skip();
    }
    const report = await checkAttributes([{ attr: 'curl', requested: null, sources: [] }], { env: { NIX_PATH: '' } });
    expect(report.status).toBe('skipped');
    expect(report.skipReason).toMatch(/<nixpkgs> is not on NIX_PATH/);
    expect(renderCheckText(report).trim().split('\n')).toHaveLength(1);
  });

  it('fails with one line when nixpkgs itself does not evaluate', async () => {
    const broken = makeNixpkgs('broken', '{ ... }: { curl = ; }\n');
    const error = await checkAttributes([{ attr: 'curl', requested: null, sources: [] }], { nixpkgs: broken }).catch((e: unknown) => e);
    expect(isDock2nixError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^nix-instantiate could not evaluate .*broken: .*syntax error/);
  });

  it('checks every attribute a converted Dockerfile uses, with the versions it asked for', async () => {
    const source = [
      'FROM python:3.12-alpine',
      'RUN apk add --no-cache curl=8.5.0-r0 not-a-package-xyz',
      'RUN pip install flask==2.0.1',
      'CMD ["python", "-m", "flask", "run"]',
      '',
    ].join('\n');
    const { plan } = convertDockerfile(source, memoryContext({}), loadRules(), {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'app',
      contextFromOutput: '..',
      outputInContext: 'nix',
    });
    const attrs = planAttributes(plan, loadRules()).map((r) => r.attr);
    expect(attrs).toEqual(expect.arrayContaining(['curl', 'python312', 'python312Packages.flask', 'dockerTools.buildLayeredImage']));
    // An unmapped name has no attribute to check: it is already reported by the conversion.
    expect(attrs.some((a) => a.includes('not-a-package'))).toBe(false);

    const report = await checkPlan(plan, loadRules(), { nixpkgs });
    expect(report.status).toBe('checked');
    expect(byAttr(report.attributes, 'python312Packages.flask')).toMatchObject({ requested: '2.0.1', version: '3.1.0', drift: true });
    expect(byAttr(report.attributes, 'python312')).toMatchObject({ requested: '3.12', version: '3.12.13', drift: false });
    expect(byAttr(report.attributes, 'python312').sources).toContain('FROM python:3.12-alpine');
    expect(byAttr(report.attributes, 'curl')).toMatchObject({ requested: '8.5.0-r0', drift: false });
    expect(report.attributes.every((a) => a.present)).toBe(true);
  });
});

describe('the attributes --check checks', () => {
  const convert = (dockerfile: string, files: Record<string, string>) =>
    convertDockerfile(dockerfile, memoryContext(files), loadRules(), {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'app',
      contextFromOutput: '..',
      outputInContext: 'nix',
    });
  const selected = (nix: string) =>
    [...nix.matchAll(/\bpkgs\.([A-Za-z_][A-Za-z0-9_'-]*(?:\.[A-Za-z_][A-Za-z0-9_'-]*)*)/g)].map((m) => m[1]!.replace(/\.(withPackages|override)$/, ''));

  it('are exactly what the generated Nix selects from nixpkgs: a Yarn stage uses mkDerivation and the Yarn hooks, not buildNpmPackage', () => {
    const { plan, files } = convert(
      [
        'FROM node:22 AS build',
        'WORKDIR /app',
        'COPY package.json yarn.lock ./',
        'RUN yarn install --frozen-lockfile',
        'COPY . .',
        'RUN yarn build',
        'FROM nginx:alpine',
        'COPY --from=build /app/dist /usr/share/nginx/html',
        '',
      ].join('\n'),
      {
        'package.json': JSON.stringify({ name: 'web', version: '1.0.0', scripts: { build: 'vite build' } }),
        'yarn.lock': '# yarn lockfile v1\n',
      },
    );
    const attrs = planAttributes(plan, loadRules()).map((r) => r.attr);
    expect(attrs).toEqual(
      expect.arrayContaining([
        'stdenv.mkDerivation',
        'fetchYarnDeps',
        'yarnConfigHook',
        'yarnBuildHook',
        'nodejs_22',
        'dockerTools.buildLayeredImage',
        'lib.fakeHash',
      ]),
    );
    expect(attrs).not.toContain('buildNpmPackage');
    expect(attrs).not.toContain('importNpmLock');
    // Every pkgs.<attr> the file names is checked, and nothing else from pkgs.
    const fromPkgs = attrs.filter((a) => !a.startsWith('lib.'));
    expect(new Set(fromPkgs)).toEqual(new Set(selected(files['default.nix'])));
  });

  it('follow the Python environment into its package set, and Rust and Go builders', () => {
    const python = convert(['FROM python:3.12-slim', 'RUN pip install flask==3.0.0', 'CMD ["python", "-m", "flask", "run"]', ''].join('\n'), {});
    expect(planAttributes(python.plan, loadRules()).map((r) => r.attr)).toEqual(expect.arrayContaining(['python312', 'python312Packages.flask']));
    const rust = convert(
      [
        'FROM rust:1 AS build',
        'WORKDIR /src',
        'COPY . .',
        'RUN cargo build --release',
        'FROM scratch',
        'COPY --from=build /src/target/release/app /app',
        '',
      ].join('\n'),
      {
        'Cargo.toml': '[package]\nname = "app"\nversion = "0.1.0"\n',
        'Cargo.lock': 'version = 3\n',
      },
    );
    const attrs = planAttributes(rust.plan, loadRules()).map((r) => r.attr);
    expect(attrs).toContain('rustPlatform.buildRustPackage');
    expect(attrs).not.toContain('stdenv.mkDerivation');
  });
});

describe('the attributes --check checks, against the text of default.nix', () => {
  /**
   * What a default.nix selects from nixpkgs, read from its text (an oracle independent of the syntax-tree walk):
   * `pkgs.a.b`, `lib.a` (lib is pkgs.lib), `ps.a` in a Python environment; the package functions withPackages
   * and override are the package's own. Whole-line comments are left out.
   */
  const PATH = "[A-Za-z_][A-Za-z0-9_'-]*(?:\\.[A-Za-z_][A-Za-z0-9_'-]*)*";
  const fromText = (nix: string): Set<string> => {
    const code = nix
      .split('\n')
      .filter((l) => !/^\s*#/.test(l))
      .join('\n');
    const trim = (attr: string) => attr.replace(/\.(withPackages|override|overrideAttrs)$/, '');
    const found = new Set<string>();
    for (const m of code.matchAll(new RegExp(`(?<![A-Za-z0-9_.'-])pkgs\\.(${PATH})`, 'g'))) found.add(trim(m[1]!));
    for (const m of code.matchAll(new RegExp(`(?<![A-Za-z0-9_.'-])lib\\.(${PATH})`, 'g'))) found.add(`lib.${trim(m[1]!)}`);
    const python = /pkgs\.([A-Za-z0-9_]+)\.withPackages \(ps:/.exec(code)?.[1];
    if (python) for (const m of code.matchAll(new RegExp(`(?<![A-Za-z0-9_.'-])ps\\.(${PATH})`, 'g'))) found.add(`${python}Packages.${m[1]!}`);
    return found;
  };
  const convert = (dockerfile: string, files: Record<string, string | null>, dockerignore?: string) => {
    const context = memoryContext(files);
    return convertDockerfile(dockerfile, context, loadRules(), {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'app',
      contextFromOutput: '..',
      outputInContext: 'nix',
      ...(dockerignore ? { dockerignore: parseDockerignore(dockerignore) } : {}),
    });
  };
  const checked = (plan: Parameters<typeof planAttributes>[0]) => new Set(planAttributes(plan, loadRules()).map((r) => r.attr));

  it('a Go stage: buildGoModule, its hash and what the image holds, nothing else', () => {
    const { plan, files } = convert(
      [
        'FROM golang:1.22 AS build',
        'WORKDIR /src',
        'COPY go.mod go.sum ./',
        'RUN go mod download',
        'COPY . .',
        'RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server',
        'FROM alpine:3.20',
        'RUN apk add --no-cache ca-certificates',
        'COPY --from=build /out/server /server',
        'ENTRYPOINT ["/server"]',
        '',
      ].join('\n'),
      {
        'go.mod': 'module example.com/app\n\ngo 1.22\n\nrequire example.com/x v1.0.0\n',
        'go.sum': 'example.com/x v1.0.0 h1:abc=\n',
        'cmd/server/main.go': 'package main\n',
      },
    );
    const attrs = checked(plan);
    expect([...attrs].filter((a) => /^buildGo\d*Module$/.test(a))).toHaveLength(1);
    expect(attrs).toContain('lib.fakeHash');
    expect(attrs).toContain('dockerTools.caCertificates');
    expect(attrs).not.toContain('stdenv.mkDerivation');
    expect(attrs).toEqual(fromText(files['default.nix']));
  });

  it('a Yarn stage and a wildcard .dockerignore: the Yarn hooks and lib.hasPrefix of the ignore function', () => {
    const { plan, files } = convert(
      [
        'FROM node:22 AS build',
        'WORKDIR /app',
        'COPY package.json yarn.lock ./',
        'RUN yarn install --frozen-lockfile',
        'COPY . .',
        'RUN yarn build',
        'FROM nginx:alpine',
        'COPY --from=build /app/dist /usr/share/nginx/html',
        'COPY conf/ /etc/nginx/conf.d/',
        '',
      ].join('\n'),
      {
        'package.json': JSON.stringify({ name: 'web', version: '1.0.0', scripts: { build: 'vite build' } }),
        'yarn.lock': '# yarn lockfile v1\n',
        'conf/default.conf': 'server {}\n',
        'conf/x.log': '',
      },
      '*.log\n!conf/keep.log\n',
    );
    expect(files['default.nix']).toContain('dockerignored =');
    const attrs = checked(plan);
    for (const attr of ['stdenv.mkDerivation', 'fetchYarnDeps', 'yarnConfigHook', 'yarnBuildHook', 'lib.hasPrefix', 'lib.removePrefix'])
      expect(attrs).toContain(attr);
    expect(attrs).not.toContain('buildNpmPackage');
    expect(attrs).toEqual(fromText(files['default.nix']));
  });

  it('a Python environment with a package nixpkgs lacks still checks the packages it has', () => {
    const { plan, files } = convert(
      ['FROM python:3.12-slim', 'RUN pip install flask==3.0.0 not-a-real-package-xyz', 'CMD ["python", "-m", "flask", "run"]', ''].join('\n'),
      {},
    );
    expect(files['default.nix']).toContain('TODO(dock2nix)');
    const attrs = checked(plan);
    expect(attrs).toContain('python312Packages.flask');
    expect(attrs).toEqual(fromText(files['default.nix']));
  });

  it('every golden fixture: the checked set is what its default.nix selects', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
    const cases = readdirSync(root).filter(
      (name) => existsSync(path.join(root, name, 'expected', 'default.nix')) && existsSync(path.join(root, name, 'Dockerfile')),
    );
    expect(cases.length).toBeGreaterThan(20);
    for (const name of cases) {
      const dir = path.join(root, name);
      const options = existsSync(path.join(dir, 'case.json'))
        ? (JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as { format?: OutputFormat; target?: string; buildArgs?: Record<string, string> })
        : {};
      const context = fsContext(dir);
      const { plan } = convertDockerfile(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), context, loadRules(), {
        shell,
        ...options,
        dockerfilePath: `fixtures/${name}/Dockerfile`,
        imageName: name,
        contextFromOutput: '..',
        outputInContext: 'expected',
        dockerignore: readDockerignore(context),
      });
      expect(checked(plan), name).toEqual(fromText(readFileSync(path.join(dir, 'expected', 'default.nix'), 'utf8')));
    }
  });
});

describe('nixpkgs check without Nix', () => {
  it('skips in one line when nix-instantiate is not installed', async () => {
    const report = await checkAttributes([{ attr: 'curl', requested: null, sources: [] }], { command: 'nix-instantiate-not-installed-here' });
    expect(report).toMatchObject({ status: 'skipped', attributes: [] });
    expect(report.skipReason).toMatch(/nix-instantiate-not-installed-here is not installed/);
    expect(renderCheckText(report)).toBe(`${report.skipReason}\n`);
  });
  it('rejects a --nixpkgs path that does not exist, and an attribute path that is not one', async () => {
    await expect(checkAttributes([{ attr: 'curl', requested: null, sources: [] }], { nixpkgs: path.join(work, 'absent') })).rejects.toThrow(
      /nixpkgs not found/,
    );
    await expect(
      checkAttributes([{ attr: 'curl; builtins.abort "x"', requested: null, sources: [] }], { command: 'nix-instantiate-not-installed-here' }),
    ).rejects.toThrow(/not a nixpkgs attribute path/);
  });
});

describe('version drift', () => {
  it.each([
    ['3.12', '3.12.13', false],
    ['3.12', '3.13.1', true],
    ['3.1', '3.12.0', true],
    ['2.0.1', '3.1.0', true],
    ['2.0.1', '2.0.1', false],
    ['==2.0', '2.0.0', false],
    ['==2.0', '2.0.1', true],
    ['>=1.2,<2', '1.9.3', false],
    ['>=1.2,<2', '2.0.0', true],
    ['~=1.4.2', '1.4.9', false],
    ['~=1.4.2', '1.5.0', true],
    ['==2.*', '2.7.1', false],
    ['!=2.0.1', '2.0.1', true],
    ['8.5.0-r0', '8.5.0', false], // Alpine package release
    ['>8', '8.5.0', false], // apk: newer than 8
    ['<8', '8.5.0', true],
    ['~8.5', '8.5.2', false],
    ['1:2.39.2-1', '2.39.2', false], // Debian epoch and revision
    ['7.88.1-10+deb12u5', '8.11.1', true],
    ['1.29.8-1~trixie', '1.29.8', false],
    ['22', '22.11.0', false],
  ])('%s vs %s → drift %s', (requested, actual, drift) => {
    expect(versionDrift(requested, actual).drift).toBe(drift);
  });
  it('cannot compare release names or missing versions, and says why', () => {
    expect(versionDrift('release bookworm', '1.0')).toMatchObject({ drift: null, reason: expect.stringMatching(/distribution release/) });
    expect(versionDrift('2.0', null)).toMatchObject({ drift: null, reason: expect.stringMatching(/no version/) });
    expect(versionDrift(null, '2.0')).toMatchObject({ drift: null });
  });
});
