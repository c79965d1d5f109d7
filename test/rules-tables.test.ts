/**
 * More table checks (test/rules.test.ts has the basic ones: schema, evidence, duplicate keys, lookups):
 * each way an entry can be broken is rejected, keys are sorted, and lookups are separator-insensitive only
 * where the ecosystem is (PyPI), case-insensitive everywhere.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lookupPackage } from '../src/rules/lookup.js';
import { defaultRulesDir, loadRules, managers } from '../src/io/rules-files.js';

const rules = loadRules();
const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-tables-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Load a copy of the tables with one apk entry replaced. */
function loadWithApkEntry(key: string, entry: unknown): () => unknown {
  const dir = mkdtempSync(path.join(work, 'rules-'));
  cpSync(defaultRulesDir, dir, { recursive: true });
  const file = path.join(dir, 'apk.json');
  const table = JSON.parse(readFileSync(file, 'utf8'));
  table.packages[key] = entry;
  writeFileSync(file, JSON.stringify(table, null, 2));
  return () => loadRules(dir);
}

describe('the schema rejects', () => {
  const evidence = 'pkgs/by-name/cu/curl/package.nix';
  it.each([
    ['an unknown field', 'curl', { attrs: ['curl'], confidence: 'exact', evidence, url: 'x' }, /packages\.curl/],
    [
      'an attribute that is not an attribute path',
      'curl',
      { attrs: ['pkgs.curl or null'], confidence: 'exact', evidence },
      /packages\.curl\.attrs\.0: must be a nixpkgs attribute path/,
    ],
    ['evidence outside nixpkgs', 'curl', { attrs: ['curl'], confidence: 'exact', evidence: 'https://example.org/curl' }, /packages\.curl\.evidence/],
    ['an empty evidence list', 'curl', { attrs: ['curl'], confidence: 'exact', evidence: [] }, /packages\.curl\.evidence/],
    [
      'an entry mapping to nothing without saying why',
      'curl',
      { attrs: [], confidence: 'exact', evidence },
      /packages\.curl\.note: an entry that maps to nothing needs a note/,
    ],
    ['a high entry without a note', 'curl', { attrs: ['curl'], confidence: 'high', evidence }, /packages\.curl\.note/],
    ['an unknown confidence', 'curl', { attrs: ['curl'], confidence: 'certain', evidence }, /packages\.curl\.confidence/],
  ])('%s', (_label, key, entry, message) => {
    expect(loadWithApkEntry(key, entry)).toThrow(message);
  });
  it('a key that is not in its normal form, since lookups could never reach it', () => {
    expect(loadWithApkEntry('Curl', { attrs: ['curl'], confidence: 'exact', evidence: 'pkgs/by-name/cu/curl/package.nix' })).toThrow(
      /key "Curl" is not normalised \(expected "curl"\)/,
    );
  });
});

describe('tables', () => {
  it('keep their keys sorted (the order docs/rules.md and reviews rely on)', () => {
    for (const manager of managers) {
      const keys = Object.keys(rules.packages[manager]!.packages);
      expect(keys, manager).toEqual([...keys].sort());
    }
  });
  it('give a note for every entry that is not exact', () => {
    for (const manager of managers) {
      for (const [name, entry] of Object.entries(rules.packages[manager]!.packages)) {
        if (entry.confidence !== 'exact') expect(entry.note, `${manager}/${name}`).toBeTruthy();
      }
    }
  });
});

describe('lookups', () => {
  it('are case-insensitive for every manager', () => {
    expect(lookupPackage(rules, 'apt', 'LibSSL-Dev')?.entry.attrs).toEqual(rules.packages.apt!.packages['libssl-dev']!.attrs);
    expect(lookupPackage(rules, 'npm', 'TypeScript')?.key).toBe('typescript');
  });
  it('treat -, _ and . alike for PyPI names only', () => {
    expect(lookupPackage(rules, 'pip', 'flask.sqlalchemy')?.key).toBe('flask-sqlalchemy');
    expect(lookupPackage(rules, 'pip', 'Flask__SQLAlchemy')?.key).toBe('flask-sqlalchemy');
    // Debian and Alpine names keep their separators: libssl_dev is not libssl-dev.
    expect(lookupPackage(rules, 'apt', 'libssl_dev')).toBeNull();
    expect(lookupPackage(rules, 'apk', 'openssl_dev')).toBeNull();
  });
});
