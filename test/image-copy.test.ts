/** COPY --from=<image> (an image, not a stage): a known tool's files link to its nixpkgs package; anything else is manual. */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { loadRules } from '../src/io/rules-files.js';
import { shell } from './helpers/shell.js';

function convert(dockerfile: string) {
  const { plan } = convertDockerfile(dockerfile, memoryContext({}), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'test',
    contextFromOutput: '..',
    outputInContext: 'nix',
  });
  return plan;
}
const copyReport = (plan: ReturnType<typeof convert>) => plan.instructions.find((i) => i.keyword === 'COPY')!;

describe('COPY --from=<image>', () => {
  it("links uv's two binaries into the destination folder (approximated: nixpkgs' uv)", () => {
    const plan = convert('FROM debian:bookworm-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.5.11 /uv /uvx /bin/\n');
    expect(copyReport(plan)).toMatchObject({ status: 'approximated', rule: 'copy.from-image.package' });
    expect(copyReport(plan).message).toMatch(/uv of the nixpkgs revision.*not the file of ghcr\.io\/astral-sh\/uv:0\.5\.11$/);
    expect(plan.image.symlinks).toEqual(
      expect.arrayContaining([
        { path: '/bin/uv', target: { kind: 'package', attr: 'uv', subpath: '/bin/uv' } },
        { path: '/bin/uvx', target: { kind: 'package', attr: 'uv', subpath: '/bin/uvx' } },
      ]),
    );
  });

  it('puts Composer at the file destination, from docker.io/library/composer too', () => {
    for (const image of ['composer:2', 'docker.io/library/composer:2.7', 'composer/composer']) {
      const plan = convert(`FROM debian:bookworm-slim\nCOPY --from=${image} /usr/bin/composer /usr/local/bin/composer\n`);
      expect(copyReport(plan).status).toBe('approximated');
      expect(plan.image.symlinks).toContainEqual({
        path: '/usr/local/bin/composer',
        target: { kind: 'package', attr: 'phpPackages.composer', subpath: '/bin/composer' },
      });
    }
  });

  it('gives a build stage the tool as a build input', () => {
    const plan = convert(
      'FROM debian:bookworm-slim AS build\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/\nWORKDIR /src\nCOPY . .\nRUN make\nFROM debian:bookworm-slim\nCOPY --from=build /src/out /out\n',
    );
    expect(plan.derivations[0]!.nativeBuildInputs).toContain('phpPackages.composer');
  });

  it('is manual for another image or another path, naming the image, the path and pullImage', () => {
    const plan = convert('FROM debian:bookworm-slim\nCOPY --from=ghcr.io/example/tool:1.2 /bin/tool /usr/local/bin/\n');
    expect(copyReport(plan)).toMatchObject({ status: 'manual', rule: 'copy.from-image' });
    expect(copyReport(plan).message).toMatch(
      /\/bin\/tool from the image ghcr\.io\/example\/tool:1\.2: .*dockerTools\.pullImage.*nix-prefetch-docker --image-name ghcr\.io\/example\/tool --image-tag 1\.2.*exportImage.*\/usr\/local\/bin/,
    );
    expect(plan.image.symlinks).toEqual([]);
    const other = convert('FROM debian:bookworm-slim\nCOPY --from=composer:2 /usr/local/bin/install-php-extensions /usr/bin/\n');
    expect(copyReport(other).status).toBe('manual');
  });

  it('reports a mixed line by its worst part, linking what it knows', () => {
    const plan = convert('FROM debian:bookworm-slim\nCOPY --from=ghcr.io/astral-sh/uv /uv /etc/uv.toml /opt/\n');
    expect(copyReport(plan)).toMatchObject({ status: 'manual', rule: 'copy.from-image' });
    expect(plan.image.symlinks).toContainEqual({ path: '/opt/uv', target: { kind: 'package', attr: 'uv', subpath: '/bin/uv' } });
  });
});
