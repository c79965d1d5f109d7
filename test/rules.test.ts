/** The rule tables: schema, evidence, keys, lookups, naming rules and versions. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseRuntime, lookupBaseImage, lookupPackage, normaliseName } from '../src/rules/lookup.js';
import { defaultRulesDir, loadRules, managers } from '../src/io/rules-files.js';

const rules = loadRules();

describe('rule tables', () => {
  it('load and validate', () => {
    for (const manager of managers) expect(Object.keys(rules.packages[manager]!.packages).length).toBeGreaterThan(10);
  });
  it('give evidence for every entry', () => {
    for (const manager of managers) {
      for (const [name, entry] of Object.entries(rules.packages[manager]!.packages)) {
        const evidence = Array.isArray(entry.evidence) ? entry.evidence : [entry.evidence];
        expect(
          evidence.every((e) => /^(pkgs|lib)\//.test(e)),
          `${manager}/${name}`,
        ).toBe(true);
      }
    }
  });
  it('have no duplicate keys in the files themselves', () => {
    for (const file of ['apk', 'apt', 'pip', 'npm', 'base-images']) {
      expect(duplicateKeys(readFileSync(path.join(defaultRulesDir, `${file}.json`), 'utf8')), file).toEqual([]);
    }
    expect(duplicateKeys('{"a": {"x": 1}, "b": {"x": 2}, "a": 3}')).toEqual(['a']);
  });
  it('reject a broken entry with its file and key', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-rules-'));
    try {
      cpSync(defaultRulesDir, dir, { recursive: true });
      const file = path.join(dir, 'apk.json');
      const table = JSON.parse(readFileSync(file, 'utf8'));
      table.packages.curl = { attrs: ['curl'], confidence: 'low', evidence: 'pkgs/by-name/cu/curl/package.nix' };
      writeFileSync(file, JSON.stringify(table, null, 2));
      expect(() => loadRules(dir)).toThrow(/bad entry at packages\.curl\.note/);
      table.packages.curl = { attrs: ['curl'], confidence: 'exact' };
      writeFileSync(file, JSON.stringify(table, null, 2));
      expect(() => loadRules(dir)).toThrow(/packages\.curl\.evidence/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lookups', () => {
  it('are case-insensitive, and separator-insensitive for PyPI names', () => {
    expect(normaliseName('python', 'Flask_SQLAlchemy')).toBe('flask-sqlalchemy');
    expect(lookupPackage(rules, 'pip', 'PyYAML')?.entry.attrs).toEqual(['pyyaml']);
    expect(lookupPackage(rules, 'apk', 'CURL')?.entry.attrs).toEqual(['curl']);
  });
  it('derive low-confidence mappings for names not listed, and say so', () => {
    const binary = lookupPackage(rules, 'pip', 'psycopg2_binary');
    expect(binary).not.toBeNull();
    const unlisted = Object.keys(rules.packages.pip!.packages).find((name) => !rules.packages.apk!.packages[`py3-${name}`])!;
    const py = lookupPackage(rules, 'apk', `py3-${unlisted}`);
    expect(py).toMatchObject({ via: 'rule', manager: 'pip', entry: { attrs: rules.packages.pip!.packages[unlisted]!.attrs, confidence: 'low' } });
    expect(py!.entry.note).toMatch(/package set/);
  });
  it('return null for unknown names instead of guessing', () => {
    expect(lookupPackage(rules, 'apt', 'surely-not-a-package-xyz')).toBeNull();
  });
});

describe('base images and versions', () => {
  it('strip registries, library/ prefixes, tags and digests', () => {
    expect(lookupBaseImage(rules, 'docker.io/library/python:3.12-slim@sha256:abc')).toMatchObject({ name: 'python', tag: '3.12-slim', digest: 'sha256:abc' });
  });
  it.each([
    ['python', '3.12-slim', 'python312', null],
    ['python', '3', 'python314', null],
    ['python', 'latest', 'python314', null],
    ['nodejs', '22-alpine', 'nodejs_22', null],
    ['nodejs', 'lts-slim', 'nodejs_26', null],
    ['go', '1.25-alpine', 'go_1_25', null],
  ])('%s:%s → %s', (runtime, tag, attr, substitution) => {
    expect(chooseRuntime(rules, runtime, tag)).toMatchObject({ attr, substitution });
  });
  it('maps a version nixpkgs no longer carries to the nearest one, and says which and why', () => {
    const choice = chooseRuntime(rules, 'python', '3.7-alpine');
    expect(choice.attr).toBe('python311');
    expect(choice.substitution).toMatch(/python 3\.7 is not in nixpkgs; using 3\.11/);
  });
});

/** Keys that appear twice in one object of a JSON text (JSON.parse keeps the last silently). */
function duplicateKeys(text: string): string[] {
  const stack: Array<Set<string> | null> = [];
  const duplicates: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') stack.push(new Set());
    else if (ch === '[') stack.push(null);
    else if (ch === '}' || ch === ']') stack.pop();
    else if (ch === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const value = JSON.parse(text.slice(i, end + 1)) as string;
      const after = text.slice(end + 1).match(/^\s*:/);
      const keys = stack[stack.length - 1];
      if (after && keys) {
        if (keys.has(value)) duplicates.push(value);
        keys.add(value);
      }
      i = end;
    }
  }
  return duplicates;
}

describe('the build stamp of validated tables', () => {
  it('holds exactly what validation gives for the current tables, so skipping the validator changes nothing', async () => {
    const { existsSync } = await import('node:fs');
    const { stampFile, tableFiles, hashText, validateRules } = await import('../src/io/rules-files.js');
    if (!existsSync(stampFile)) throw new Error('dist/rules-validated.json is missing: npm test runs npm run build first');
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    for (const file of tableFiles) expect(stamp.hashes[file], file).toBe(hashText(readFileSync(path.join(defaultRulesDir, file), 'utf8')));
    const validated = validateRules(defaultRulesDir);
    expect(stamp.rules).toEqual(JSON.parse(JSON.stringify(validated)));
  });
});
