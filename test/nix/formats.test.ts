/**
 * The output-format registry (src/nix/formats/index.ts): each format is complete (labels, load hint, a golden
 * fixture that uses it), and what lists formats or depends on them reads the registry.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { answersSchema } from '../../src/convert/answers.js';
import { memoryContext } from '../../src/convert/context.js';
import { convertDockerfile } from '../../src/convert/convert.js';
import { main } from '../../src/cli/main.js';
import { DEFAULT_FORMAT, FORMATS, FORMAT_IDS } from '../../src/nix/formats/index.js';
import { loadRules } from '../../src/io/rules-files.js';
import { askFormat } from '../../src/wizard/steps.js';
import type { Prompter } from '../../src/wizard/prompter.js';
import { flakeInputStub, repoRoot } from '../helpers/tools.js';
import { shell } from '../helpers/shell.js';

const fixtures = path.join(repoRoot, 'fixtures');
/** The format of each golden fixture (case.json's "format", else the default). */
const fixtureFormats = readdirSync(fixtures)
  .filter((name) => existsSync(path.join(fixtures, name, 'expected', 'default.nix')))
  .map((name) => {
    const file = path.join(fixtures, name, 'case.json');
    const format = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { format?: string }).format : undefined;
    return { name, format: format ?? DEFAULT_FORMAT };
  });

describe('the output formats', () => {
  it('have unique ids, the default first', () => {
    expect(new Set(FORMAT_IDS).size).toBe(FORMATS.length);
    expect(FORMAT_IDS[0]).toBe(DEFAULT_FORMAT);
    for (const id of FORMAT_IDS) expect(id).toMatch(/^[a-z0-9-]+$/);
  });

  describe.each(FORMATS.map((f) => [f.id, f] as const))('%s', (id, format) => {
    it('has a label, a short name, a description and a load hint', () => {
      for (const text of [format.label, format.short, format.description, format.loadHint]) expect(text.trim().length).toBeGreaterThan(3);
      if (!format.keepsHealthcheck) expect(format.healthcheckDropped.length).toBeGreaterThan(10);
    });

    it('has a stand-in for each flake input it adds, so the golden tests can evaluate its default.nix', () => {
      for (const input of format.flakeInputs) expect(existsSync(flakeInputStub(input.name)), `test/nix/stub-${input.name}.nix`).toBe(true);
    });

    it('has a golden fixture whose default.nix says how to load it', () => {
      const cases = fixtureFormats.filter((f) => f.format === id);
      expect(
        cases.map((c) => c.name),
        `add fixtures/<case>/ with case.json { "format": "${id}" } and its expected/ files`,
      ).not.toEqual([]);
      for (const c of cases) expect(readFileSync(path.join(fixtures, c.name, 'expected', 'default.nix'), 'utf8')).toContain(format.loadHint);
    });

    it('keeps HEALTHCHECK in the config exactly when the registry says so, and the report says which', () => {
      const { plan, files } = convertDockerfile('FROM alpine:3.20\nHEALTHCHECK CMD ["/bin/true"]\nCMD ["sh"]\n', memoryContext({}), loadRules(), {
        shell,
        format: id,
        dockerfilePath: 'Dockerfile',
        imageName: 'hc',
        contextFromOutput: '..',
        outputInContext: 'nix',
      });
      const report = plan.instructions.find((i) => i.keyword === 'HEALTHCHECK')!;
      expect(files['default.nix'].includes('Healthcheck = {')).toBe(format.keepsHealthcheck);
      expect(report.status).toBe(format.keepsHealthcheck ? 'approximated' : 'manual');
      if (!format.keepsHealthcheck) expect(report.message).toBe(format.healthcheckDropped);
    });

    it('is accepted by the answers file, the CLI and the wizard', async () => {
      expect(answersSchema.safeParse({ version: 1, dockerfile: 'Dockerfile', format: id }).success).toBe(true);
      let offered: unknown[] = [];
      const prompter = { select: async (q: { choices: Array<{ value: unknown }> }) => ((offered = q.choices.map((c) => c.value)), id) } as unknown as Prompter;
      expect(await askFormat(prompter, undefined)).toBe(id);
      expect(offered).toEqual(FORMAT_IDS);
    });
  });

  it('are all named where the docs list them', () => {
    const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
    expect(read('README.md')).toContain(`[--builder ${FORMAT_IDS.join('|')}]`);
    for (const id of FORMAT_IDS) {
      expect(read('docs/conversion.md')).toContain(`--builder ${id}`);
      expect(read('docs/wizard.md')).toContain(`\`${id}\``);
    }
  });

  it('are the only formats the answers file and the CLI take', async () => {
    expect(answersSchema.safeParse({ version: 1, dockerfile: 'Dockerfile', format: 'no-such-format' }).success).toBe(false);
    let err = '';
    const code = await main(['convert', 'Dockerfile', '--format', 'no-such-format'], { stdout: () => {}, stderr: (t) => (err += t) });
    expect(code).not.toBe(0);
    for (const id of FORMAT_IDS) expect(err).toContain(id);
  });
});
