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
import { loadRules } from '../src/rules/load.js';
import { corpusDir, nixParse, requireTool } from './helpers/tools.js';

const dockerfilesDir = path.join(corpusDir, 'dockerfiles');
const present = existsSync(dockerfilesDir);
if (!present) console.warn(`SKIP: the corpus is not at ${dockerfilesDir}; corpus tests do not run`);
const files = present ? readdirSync(dockerfilesDir).filter((f) => f !== 'INDEX.tsv').sort() : [];
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
      writeFileSync(path.join(out, `${file}.default.nix`), result.files['default.nix']);
      writeFileSync(path.join(out, `${file}.flake.nix`), result.files['flake.nix']);
      if (requireTool('nix-instantiate', 'parsing the Nix generated from the corpus')) {
        nixParse(path.join(out, `${file}.default.nix`));
        nixParse(path.join(out, `${file}.flake.nix`));
      }
    });
  }
});
