/**
 * .dockerignore with wildcards and exceptions: the files the generated Nix takes from the context are the files
 * Buildah sends. Both images are really built (Buildah; nix-build with the stand-in nixpkgs) from a context that
 * exercises each kind of pattern, and their file lists under /ctx are compared. (Exceptions with wildcards inside an
 * excluded folder are checked with Nix alone in test/dockerignore.test.ts: Buildah's answer for them varied
 * between runs here, sending vendor/x/keep for `vendor` + `!vendor/*\/keep` once and not the next time.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, buildahProblem, filesInBothImages, nixProblem, skipReason, tempDir, writeContext } from './helpers.js';

const skip = skipReason('.dockerignore build tests', (await buildahProblem()) ?? (await nixProblem()));

const FILES = [
  'README.md',
  'NOTES.md',
  'docs/guide.md',
  'docs/a.tmp',
  'docs/b.txt',
  'docs/deep/c.tmp',
  'node_modules/keep/a.js',
  'node_modules/drop/b.js',
  'src/main.py',
  'src/__pycache__/main.cpython-312.pyc',
  'src/pkg/__pycache__/x.pyc',
  'src/pkg/mod.py',
  '__pycache__/top.pyc',
  'secret1.txt',
  'secret12.txt',
  'logs/app.log',
  'logs/keep.log',
  'data [1].csv',
  'data 2.csv',
];

const DOCKERIGNORE = `# build output and caches
node_modules
!node_modules/keep
**/__pycache__
*.md
!README.md
/docs/*.tmp
secret?.txt
logs/
!logs/keep.log
data\\ \\[1\\].csv
`;

describe.skipIf(skip)('.dockerignore patterns', () => {
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir('dock2nix-dockerignore-');
    await writeContext(join(dir.path, 'context'), FILES, {
      '.dockerignore': DOCKERIGNORE,
      Dockerfile: 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY . /ctx/\nCMD ["/bin/busybox", "sh"]\n',
    });
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('leave out of the Nix image exactly what Buildah leaves out of the build context', async () => {
    const { docker, nix } = await filesInBothImages(dir.path, join(dir.path, 'context'), (path) => path.startsWith('ctx/'));
    // What Docker's rules give, written out: a check on the test itself.
    expect(docker).toEqual(
      // `*.md` and `secret?.txt` stay in the root folder and `?` is one character: docs/guide.md and secret12.txt go.
      [
        '.dockerignore',
        'Dockerfile',
        'README.md',
        'busybox',
        'data 2.csv',
        'docs/b.txt',
        'docs/deep/c.tmp',
        'docs/guide.md',
        'logs/keep.log',
        'node_modules/keep/a.js',
        'secret12.txt',
        'src/main.py',
        'src/pkg/mod.py',
      ].map((file) => `ctx/${file}`),
    );
    expect(nix).toEqual(docker);
  }, 240_000);
});
