/**
 * `convert --max-layers N`: the builder's maxLayers in default.nix (dockerTools' buildLayeredImage and
 * streamLayeredImage, nix2container's buildImage), evaluated against the stand-ins that check every argument;
 * the report explains what the limit counts; the range is checked on the command line.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import type { OutputFormat } from '../src/convert/types.js';
import { formatOf } from '../src/nix/formats/index.js';
import { fsContext } from '../src/io/fs-context.js';
import { loadRules } from '../src/io/rules-files.js';
import { jsonReport, textReport } from '../src/report/report.js';
import { shell } from './helpers/shell.js';
import { flakeInputStub, nixEvalJson, nixString, repoRoot, requireTool, stubNixpkgs } from './helpers/tools.js';

let dir: string;
const DOCKERFILE = 'FROM alpine:3.19\nRUN apk add --no-cache curl\nCOPY app.sh /app/app.sh\nCMD ["/app/app.sh"]\n';
const BASE_KEPT = 'FROM example.org/some/base:1.0\nCOPY app.sh /app/app.sh\nCMD ["/app/app.sh"]\n';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dock2nix-max-layers-'));
  await writeFile(path.join(dir, 'app.sh'), '#!/bin/sh\necho hi\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function convert(format: OutputFormat, maxLayers?: number, source = DOCKERFILE) {
  return convertDockerfile(source, fsContext(dir), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    format,
    imageName: 'app',
    contextFromOutput: '..',
    outputInContext: 'nix',
    ...(maxLayers !== undefined ? { maxLayers } : {}),
  });
}

/** The image arguments of default.nix as the stand-ins receive them (they refuse any argument the builder lacks). */
async function imageArgs(format: OutputFormat, nix: string): Promise<Record<string, unknown>> {
  const out = path.join(dir, `nix-${format}-${Math.random().toString(36).slice(2)}`);
  await mkdir(out);
  await writeFile(path.join(out, 'default.nix'), nix);
  const inputs = formatOf(format)
    .flakeInputs.map((input) => ` ${input.name} = import ${nixString(flakeInputStub(input.name))};`)
    .join('');
  return nixEvalJson(
    `let pkgs = import ${nixString(stubNixpkgs)} { }; image = import ${nixString(path.join(out, 'default.nix'))} { inherit pkgs;${inputs} }; in builtins.deepSeq image.imageArgs { maxLayers = image.imageArgs.maxLayers or null; }`,
  ) as Record<string, unknown>;
}

describe('convert --max-layers', () => {
  for (const format of ['layered', 'stream'] as const) {
    it(`${format}: maxLayers = N in the builder call, and the report says what it counts`, async () => {
      const { plan, files } = convert(format, 7);
      expect(files['default.nix']).toMatch(/\n\s+maxLayers = 7;\n/);
      const builder = format === 'layered' ? 'buildLayeredImage' : 'streamLayeredImage';
      expect(plan.layering!.explanation[0]).toContain(`dockerTools.${builder} maxLayers = 7: the image has at most 7 layers in all`);
      const text = textReport(plan, []);
      expect(text).toContain('layers: at most 7 (--max-layers)');
      expect(jsonReport(plan, []).layering).toEqual(plan.layering);
      if (requireTool('nix-instantiate', 'evaluating maxLayers against the nixpkgs stub'))
        expect(await imageArgs(format, files['default.nix'])).toEqual({ maxLayers: 7 });
    });
  }

  it('without the option the dockerTools call is unchanged: no maxLayers (the default, 100), no layering in the report', async () => {
    const { plan, files } = convert('layered');
    expect(files['default.nix']).not.toContain('maxLayers');
    expect(plan.layering).toBeUndefined();
    expect(jsonReport(plan, [])).not.toHaveProperty('layering');
    expect(textReport(plan, [])).not.toContain('--max-layers');
  });

  it("nix2container: the packages' layer takes N - 1 (99 without the option), the image's own layer is the last; the base's layers are counted apart", async () => {
    expect(convert('nix2container').files['default.nix']).toMatch(/buildLayer \{[^}]*\n\s+maxLayers = 99;\n/);
    const { plan, files } = convert('nix2container', 12);
    expect(files['default.nix']).toMatch(/buildLayer \{[^}]*\n\s+maxLayers = 11;\n/);
    expect(plan.layering!.explanation.join(' ')).toContain('nix2container.buildLayer maxLayers = 11');
  });

  it('a kept base image: the explanation says its layers count in the dockerTools limit', () => {
    const { plan } = convert('layered', 30, BASE_KEPT);
    expect(plan.image.baseImage).not.toBeNull();
    expect(plan.layering!.explanation[0]).toContain("the base image's layers (FROM example.org/some/base:1.0) count too");
  });

  it('the range is 2 to 125, checked on the command line with one line and exit 2', async () => {
    await writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
    for (const bad of ['1', '126', 'x', '3.5', '-4']) {
      const result = await execa(
        process.execPath,
        [path.join(repoRoot, 'bin/dock2nix.js'), 'convert', path.join(dir, 'Dockerfile'), '--max-layers', bad, '-o', path.join(dir, 'out-bad')],
        {
          reject: false,
          stdin: 'ignore',
        },
      );
      expect(result.exitCode, bad).toBe(2);
      expect(result.stderr.trim()).toBe(`dock2nix: --max-layers ${JSON.stringify(bad)}: expected a whole number from 2 to 125`);
    }
    const ok = await execa(
      process.execPath,
      [path.join(repoRoot, 'bin/dock2nix.js'), 'convert', path.join(dir, 'Dockerfile'), '--max-layers', '125', '-o', path.join(dir, 'out-ok')],
      {
        reject: false,
        stdin: 'ignore',
      },
    );
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('layers: at most 125 (--max-layers)');
    expect(() => convert('layered', 126)).toThrow(/from 2 to 125/);
  });
});
