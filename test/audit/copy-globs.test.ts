/**
 * COPY with wildcards takes from the context what Buildah takes: Go's filepath.Match, where `[!x]` is a class
 * holding `!` and `x` (only `^` negates), `?` is one character (not one byte), and `\` has already
 * been taken by the Dockerfile's own escape before the pattern is matched. Both images are really built
 * (Buildah; nix-build with the stand-in nixpkgs) and their files compared.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, buildahProblem, filesInBothImages, nixProblem, skipReason, tempDir, writeContext } from './helpers.js';

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

  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir('dock2nix-copy-globs-');
    await writeContext(join(dir.path, 'context'), FILES, { Dockerfile: DOCKERFILE });
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('copy into the Nix image exactly the files Buildah copies', async () => {
    const { docker, nix } = await filesInBothImages(dir.path, join(dir.path, 'context'), (path) => /^(one|two|three|four|six)\//.test(path));
    // What Go's filepath.Match gives, written out: a check on the test itself.
    expect(docker).toEqual(['four/pkg.json', 'one/a!', 'one/ax', 'six/é.txt', 'three/a*b', 'three/ab', 'three/acb', 'two/a!', 'two/ab']);
    expect(nix).toEqual(docker);
  }, 240_000);
});
