/**
 * Golden tests over fixtures/<case>/: the Dockerfile (with its context files) must give exactly the expected
 * default.nix, flake.nix and report. Update the expectations with `npx vitest run -u` and review the diff.
 * Every expected file must also pass the real Nix parser, and default.nix must evaluate against the nixpkgs
 * stub, which rejects argument names the real functions do not take.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expectMarkers } from './helpers/markers.js';
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import type { OutputFormat } from '../src/convert/types.js';
import { fsContext, readDockerignore } from '../src/io/fs-context.js';
import { jsonReport } from '../src/report/report.js';
import { loadRules } from '../src/io/rules-files.js';
import { flakeInputStub, nixEvalJson, nixParse, nixString, repoRoot, requireTool, stubNixpkgs } from './helpers/tools.js';
import { formatOf } from '../src/nix/formats/index.js';
import { shell } from './helpers/shell.js';

interface CaseOptions {
  format?: OutputFormat;
  target?: string;
  buildArgs?: Record<string, string>;
  name?: string;
  keepBase?: boolean;
  /** convert --with-dockerfile (ConvertOptions.dockerfile): Dockerfile.nix is golden too. */
  dockerfile?: boolean;
}

const fixturesDir = path.join(repoRoot, 'fixtures');
const cases = readdirSync(fixturesDir).filter((name) => existsSync(path.join(fixturesDir, name, 'Dockerfile')));

/** The version the golden files name: fixed, so that a release does not rewrite every one of them. */
const GOLDEN_VERSION = '0.1.0';

function convertCase(name: string) {
  const dir = path.join(fixturesDir, name);
  const options: CaseOptions = existsSync(path.join(dir, 'case.json')) ? JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) : {};
  const context = fsContext(dir);
  return convertDockerfile(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), context, loadRules(), {
    shell,
    dockerfilePath: `fixtures/${name}/Dockerfile`,
    format: options.format,
    target: options.target,
    buildArgs: options.buildArgs,
    keepBase: options.keepBase,
    imageName: options.name ?? name,
    contextFromOutput: '..',
    outputInContext: 'expected',
    dockerignore: readDockerignore(context),
    contextLabel: `fixtures/${name}`,
    toolVersion: GOLDEN_VERSION,
    dockerfile: options.dockerfile,
  });
}

describe('fixtures', () => {
  it('has the cases the product promises', () => {
    expect(cases).toEqual(
      expect.arrayContaining([
        'flask-alpine',
        'go-scratch',
        'node-caddy',
        'node-nginx',
        'python-debian-user',
        'rust-build',
        'heredoc-cache',
        'stream-redis',
        'nix2container-node',
        'python-poetry',
        'python-pyproject-uv',
        'python-pipenv',
        'node-yarn',
        'node-pnpm',
        'dotnet-aspnet',
      ]),
    );
  });

  for (const name of cases) {
    describe(name, () => {
      const result = convertCase(name);
      const expected = path.join(fixturesDir, name, 'expected');

      it('gives the expected default.nix, flake.nix and report', async () => {
        await expect(result.files['default.nix']).toMatchFileSnapshot(path.join(expected, 'default.nix'));
        await expect(result.files['flake.nix']).toMatchFileSnapshot(path.join(expected, 'flake.nix'));
        // Side files default.nix reads (deps.json) are golden too; the stub evaluation below reads them.
        for (const [file, content] of Object.entries(result.files.extra)) await expect(content).toMatchFileSnapshot(path.join(expected, file));
        // Files of the format (nixos.nix) are golden too.
        for (const [file, content] of Object.entries(result.files.formatFiles)) await expect(content).toMatchFileSnapshot(path.join(expected, file));
        if (result.files['Dockerfile.nix'] !== undefined)
          await expect(result.files['Dockerfile.nix']).toMatchFileSnapshot(path.join(expected, 'Dockerfile.nix'));
        const report = jsonReport(result.plan, []);
        await expect(`${JSON.stringify({ ...report, tool: { name: report.tool.name } }, null, 2)}\n`).toMatchFileSnapshot(path.join(expected, 'report.json'));
      });

      it('accounts for every instruction', () => {
        const lines = result.plan.instructions.map((i) => i.line);
        const source = readFileSync(path.join(fixturesDir, name, 'Dockerfile'), 'utf8');
        const keywords = source.split('\n').filter((l) => /^\s*[A-Za-z]+\s/.test(l) && !/^\s*#/.test(l)).length;
        expect(new Set(lines).size).toBe(lines.length);
        expect(lines.length).toBeGreaterThanOrEqual(Math.min(keywords, 1));
        for (const instruction of result.plan.instructions) {
          expect(['mapped', 'approximated', 'manual', 'ignored']).toContain(instruction.status);
          expect(instruction.rule).toMatch(/^[a-z0-9.-]+$/);
          expect(instruction.message.length).toBeGreaterThan(0);
        }
      });

      it('marks every manual instruction in the Nix', () => {
        expectMarkers(result.plan, [result.files['default.nix'], ...Object.values(result.files.formatFiles)].join('\n'), name);
      });

      it('passes the Nix parser and evaluates against the nixpkgs stub', () => {
        if (!requireTool('nix-instantiate', `Nix checks of fixture ${name}`)) return;
        nixParse(path.join(expected, 'default.nix'));
        nixParse(path.join(expected, 'flake.nix'));
        for (const file of Object.keys(result.files.formatFiles)) nixParse(path.join(expected, file));
        if (result.plan.format === 'nixos') {
          // The service's files, with the image's packages passed through (test/nix/nixos.test.ts evaluates nixos.nix).
          const root = nixEvalJson(
            `let pkgs = import ${nixString(stubNixpkgs)} { }; root = import ${nixString(path.join(expected, 'default.nix'))} { inherit pkgs; }; in { inherit (root) name; packages = map (p: p.name) root.packages; }`,
          ) as { name: string; packages: string[] };
          expect(root.name).toBe(`${name}-root`);
          expect(root.packages.length).toBeGreaterThan(0);
          return;
        }
        // The format's own inputs (nix2container) come from their stand-ins, as pkgs does.
        const inputs = formatOf(result.plan.format)
          .flakeInputs.map((input) => ` ${input.name} = import ${nixString(flakeInputStub(input.name))};`)
          .join('');
        const image = nixEvalJson(
          `let pkgs = import ${nixString(stubNixpkgs)} { }; image = import ${nixString(path.join(expected, 'default.nix'))} { inherit pkgs;${inputs} }; in { inherit (image) name; config = image.imageArgs.config; everyArgumentChecked = builtins.deepSeq image.imageArgs true; root = if image ? root then image.root.name else null; }`,
        ) as { name: string; config: Record<string, unknown> };
        expect(image.name).toContain(name);
        // Forcing every image argument calls every builder and fetcher the file uses, each checking its arguments.
        expect((image as unknown as { everyArgumentChecked: boolean }).everyArgumentChecked).toBe(true);
        // With --with-dockerfile, default.nix exposes the root Dockerfile.nix builds (pkgs.runCommand checks its arguments).
        expect((image as unknown as { root: string | null }).root).toBe(result.plan.dockerfileOut ? 'image-root' : null);
        const config = result.plan.image.config;
        if (config.Cmd) expect(image.config.Cmd).toEqual(config.Cmd);
        if (config.Entrypoint) expect(image.config.Entrypoint).toEqual(config.Entrypoint);
        expect(image.config.Env ?? []).toEqual(config.Env.map(([k, v]) => `${k}=${v}`));
      });
    });
  }
});
