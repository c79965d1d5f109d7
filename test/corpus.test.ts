/**
 * Every real-world Dockerfile in ../shared/corpus converts without a crash, every instruction is accounted for,
 * and the generated Nix passes the real parser. Skips with a message when the corpus is not there.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { isDock2nixError } from '../src/errors.js';
import { loadRules } from '../src/io/rules-files.js';
import { expectMarkers } from './helpers/markers.js';
import { corpusDir, nixParse, requireTool } from './helpers/tools.js';
import * as fsContextModule from '../src/io/fs-context.js';
import { shell } from './helpers/shell.js';

const dockerfilesDir = path.join(corpusDir, 'dockerfiles');
const present = existsSync(dockerfilesDir);
if (!present) console.warn(`SKIP: the corpus is not at ${dockerfilesDir}; corpus tests do not run`);
const files = present
  ? readdirSync(dockerfilesDir)
      .filter((f) => f !== 'INDEX.tsv')
      .sort()
  : [];
const out = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-corpus-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.skipIf(!present)('corpus', () => {
  it('has Dockerfiles', () => {
    expect(files.length).toBeGreaterThan(40);
  });

  for (const file of files) {
    it(`converts ${file}`, () => {
      const source = readFileSync(path.join(dockerfilesDir, file), 'utf8');
      let result;
      try {
        // The corpus holds Dockerfiles only: their context files are absent, which must give findings, not crashes.
        result = convertDockerfile(source, memoryContext({}), loadRules(), {
          shell,
          dockerfilePath: file,
          imageName: 'corpus',
          contextFromOutput: '..',
          outputInContext: 'nix',
        });
      } catch (error) {
        // A Dockerfile Docker itself rejects may fail, but only with a located one-line error.
        expect(isDock2nixError(error), String(error)).toBe(true);
        return;
      }
      const instructions = DockerfileParser.parse(source.replace(/^\ufeff/, '')).getInstructions();
      const reported = result.plan.instructions.map((i) => i.line).sort((a, b) => a - b);
      expect(reported).toEqual(instructions.map((i) => i.getRange().start.line + 1).sort((a, b) => a - b));
      expectMarkers(result.plan, result.files['default.nix'], file);
      writeFileSync(path.join(out, `${file}.default.nix`), result.files['default.nix']);
      writeFileSync(path.join(out, `${file}.flake.nix`), result.files['flake.nix']);
      if (requireTool('nix-instantiate', 'parsing the Nix generated from the corpus')) {
        nixParse(path.join(out, `${file}.default.nix`));
        nixParse(path.join(out, `${file}.flake.nix`));
      }
    });
  }
});

const pairsDir = path.join(corpusDir, 'pairs');
const spaDir = path.join(pairsDir, 'ioboi__container-image-nix-talk__spa/spa');

describe.skipIf(!existsSync(spaDir))('hand-written Nix next to the same Dockerfile (corpus pairs)', () => {
  const convertPair = (dockerfile: string) => {
    const { fsContext } = fsContextModule;
    return convertDockerfile(readFileSync(path.join(spaDir, dockerfile), 'utf8'), fsContext(spaDir), loadRules(), {
      shell,
      dockerfilePath: dockerfile,
      imageName: 'spa-nix',
      contextFromOutput: '..',
      outputInContext: 'nix',
    });
  };

  /**
   * The talk's flake uses importNpmLock, which needs package-lock.json. The stored pair has only package.json,
   * so dock2nix must not pretend: the COPY of the lock file is manual work and the hash is a marked TODO.
   */
  const expectLockHandling = (nix: string, plan: { instructions: Array<{ keyword: string; status: string; message: string }> }) => {
    if (existsSync(path.join(spaDir, 'package-lock.json'))) {
      expect(nix).toContain('importNpmLock');
      return;
    }
    expect(nix).toMatch(/npmDepsHash = lib\.fakeHash;/);
    expect(nix).toContain('TODO(dock2nix)');
    const copy = plan.instructions.find((i) => i.keyword === 'COPY' && i.message.includes('package-lock.json'));
    expect(copy?.status).toBe('manual');
  };

  it('builds the Caddy variant as the talk does: buildNpmPackage, served by caddy', () => {
    const handWritten = readFileSync(path.join(spaDir, 'flake.nix'), 'utf8');
    const { files, plan } = convertPair('Dockerfile');
    for (const construct of ['buildNpmPackage', 'dockerTools.buildLayeredImage', 'caddy']) {
      expect(handWritten, `the pair uses ${construct}`).toContain(construct);
      expect(files['default.nix'], `dock2nix emits ${construct}`).toContain(construct);
    }
    expectLockHandling(files['default.nix'], plan);
    expect(plan.image.config.Entrypoint).toEqual(['caddy', 'file-server', '--root=/run']);
    expect(plan.image.config.ExposedPorts).toContain('80/tcp');
    expect(plan.derivations.map((d) => [d.build.kind, d.outputs.map((o) => o.from)])).toEqual([['npm', ['dist']]]);
  });

  it('builds the nginx variant with what container.nix needed by hand: fakeNss, /tmp, the nginx binary', () => {
    const handWritten = readFileSync(path.join(spaDir, 'container.nix'), 'utf8');
    const { files, plan } = convertPair('Dockerfile.nginx');
    for (const construct of ['fakeNss', 'nginx', 'buildNpmPackage']) {
      expect(handWritten).toContain(construct);
      expect(files['default.nix']).toContain(construct);
    }
    expectLockHandling(files['default.nix'], plan);
    expect(plan.image.directories.map((d) => d.path)).toEqual(expect.arrayContaining(['/tmp', '/usr/share/nginx/html', '/var/log/nginx']));
    expect(plan.image.files.map((f) => f.dest)).toEqual(expect.arrayContaining(['/etc/nginx/nginx.conf', '/usr/share/nginx/html']));
    expect(plan.image.users?.passwd.some((line) => line.startsWith('nginx:'))).toBe(true);
  });
});
