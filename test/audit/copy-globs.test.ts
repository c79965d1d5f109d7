/**
 * COPY with wildcards takes from the context what Buildah takes: Go's filepath.Match, where `[!x]` is a class
 * holding `!` and `x` (only `^` negates), `?` is one character (not one byte), and `\` has already
 * been taken by the Dockerfile's own escape before the pattern is matched. Both images are really built
 * (Buildah; nix-build with the stand-in nixpkgs) and their files compared.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILDAH_FLAGS, BUSYBOX, MINI_NIXPKGS, NIX_FLAGS, assertBuilt, buildahProblem, cli, countArchive, nixProblem, skipReason, tempDir } from './helpers.js';

const skip = skipReason('COPY wildcard build tests', (await buildahProblem()) ?? (await nixProblem()));

const FILES = ['a!', 'ab', 'ax', 'a*b', 'acb', 'pkg.json', 'lib/x.json', 'é.txt', 'ée.txt'];

const DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
COPY a[!x] /one/
COPY a[^x] /two/
COPY a\\*b /three/
COPY *.json /four/
COPY ?.txt /six/
CMD ["/bin/busybox", "sh"]
`;

describe.skipIf(skip)('COPY wildcards', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let context: string;

  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir('dock2nix-copy-globs-');
    context = join(dir.path, 'context');
    for (const file of FILES) {
      await mkdir(join(context, file, '..'), { recursive: true });
      await writeFile(join(context, file), `${file}\n`);
    }
    await cp(BUSYBOX, join(context, 'busybox'));
    await writeFile(join(context, 'Dockerfile'), DOCKERFILE);
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('copy into the Nix image exactly the files Buildah copies', async () => {
    const keep = join(dir.path, 'keep');
    const result = await cli(['audit', join(context, 'Dockerfile'), ...BUILDAH_FLAGS, ...NIX_FLAGS, '--format', 'json', '--progress', 'plain', '--keep-archives', keep], {
      env: { NIX_PATH: `nixpkgs=${MINI_NIXPKGS}` },
    });
    expect(result.exitCode, result.stderr.split('\n').slice(-5).join('\n')).toBe(0);
    const copied = async (archive: string, into: string) =>
      (await countArchive(join(keep, archive), join(dir.path, into))).layers
        .flatMap((layer) => layer.listing)
        .filter((entry) => entry.type === '-' && /^(one|two|three|four|six)\//.test(entry.path))
        .map((entry) => entry.path)
        .sort();
    const docker = await copied('docker.tar', 'count-docker');
    const nix = await copied('nix.tar.gz', 'count-nix');
    // What Go's filepath.Match gives, written out: a check on the test itself.
    expect(docker).toEqual(['four/pkg.json', 'one/a!', 'one/ax', 'six/é.txt', 'three/a*b', 'three/ab', 'three/acb', 'two/a!', 'two/ab']);
    expect(nix).toEqual(docker);
  }, 240_000);
});
