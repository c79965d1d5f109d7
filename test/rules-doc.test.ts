/**
 * docs/rules.md is generated from the tables; this fails when it is stale, and says how to regenerate it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES_DOC_COMMAND, RULES_DOC_PATH, renderRulesDoc } from '../src/rules/doc.js';
import { defaultRulesDir, loadRules, managers } from '../src/io/rules-files.js';
import { repoRoot } from './helpers/tools.js';

const rules = loadRules();

describe('docs/rules.md', () => {
  it('matches the tables', () => {
    const expected = renderRulesDoc(rules);
    const actual = readFileSync(path.join(repoRoot, RULES_DOC_PATH), 'utf8');
    if (actual !== expected) {
      expect.fail(`${RULES_DOC_PATH} is stale: regenerate it with \`${RULES_DOC_COMMAND}\``);
    }
  });

  it('lists every entry with its attributes, confidence and evidence link, and what maps to nothing', () => {
    const doc = renderRulesDoc(rules);
    const sections = doc.split(/\n(?=## )/);
    for (const manager of managers) {
      const section = sections.find((s) => s.startsWith(`## ${manager} (`));
      expect(section, manager).toBeDefined();
      for (const [name, entry] of Object.entries(rules.packages[manager]!.packages)) {
        const row = section!.split('\n').find((line) => line.startsWith(`| \`${name}\` |`) && line.includes(` ${entry.confidence} |`));
        expect(row, `${manager} ${name}`).toBeDefined();
        const evidence = Array.isArray(entry.evidence) ? entry.evidence : [entry.evidence];
        for (const e of evidence) expect(row).toContain(`(https://github.com/NixOS/nixpkgs/blob/master/${e})`);
        for (const attr of entry.attrs) expect(row).toContain(attr);
      }
    }
    expect(doc).toContain('### What maps to nothing');
    expect(doc).toContain('## Adding an entry');
    expect(doc).toMatch(/\| `evidence` \| yes \|/);
  });

  it('is deterministic and changes when a table does', () => {
    expect(renderRulesDoc(rules)).toBe(renderRulesDoc(loadRules()));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-rules-doc-'));
    try {
      cpSync(defaultRulesDir, dir, { recursive: true });
      const file = path.join(dir, 'apk.json');
      const table = JSON.parse(readFileSync(file, 'utf8'));
      table.packages['zz-example-tool'] = {
        attrs: [],
        confidence: 'high',
        role: 'cleanup',
        note: 'Example: nothing needed in Nix.',
        evidence: 'pkgs/top-level/all-packages.nix',
      };
      writeFileSync(file, JSON.stringify(table, null, 2));
      const changed = renderRulesDoc(loadRules(dir));
      expect(changed).not.toBe(renderRulesDoc(rules));
      expect(changed).toMatch(/\| `zz-example-tool` \| high \| cleanup \| Example: nothing needed in Nix\. \|/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
