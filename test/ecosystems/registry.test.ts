/**
 * The ecosystem registry (src/ecosystems/index.ts) against the folders, tables and tests it stands for: ids unique
 * and sorted, every program and `python -m` module claimed once, every installer with its rules table, every folder
 * in the registry with a readme and a truth table. The checks run on the real registry and on broken ones, so
 * they are known to fail when they should.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineEcosystem, ignored, type Ecosystem } from '../../src/ecosystems/define.js';
import { BUILDERS, ECOSYSTEMS, INSTALLERS, MANAGERS } from '../../src/ecosystems/index.js';
import { managers } from '../../src/io/rules-files.js';
import { coveredManagers } from '../../src/check/coverage.js';
import { repoRoot } from '../helpers/tools.js';

interface Files {
  /** Folder names under src/ecosystems/. */
  folders: string[];
  exists(relative: string): boolean;
  read(relative: string): string | null;
}

const repoFiles: Files = {
  folders: readdirSync(path.join(repoRoot, 'src/ecosystems'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name),
  exists: (relative) => existsSync(path.join(repoRoot, relative)),
  read: (relative) => (existsSync(path.join(repoRoot, relative)) ? readFileSync(path.join(repoRoot, relative), 'utf8') : null),
};

/** Everything wrong with a registry, one line each. */
function registryProblems(ecosystems: readonly Ecosystem[], files: Files): string[] {
  const problems: string[] = [];
  const ids = ecosystems.map((e) => e.id);
  for (const id of new Set(ids)) if (ids.filter((x) => x === id).length > 1) problems.push(`id ${id} is listed twice`);
  if (ids.join('\n') !== [...ids].sort().join('\n')) problems.push(`ids are not sorted: ${ids.join(', ')}`);
  for (const [kind, of] of [
    ['program', (e: Ecosystem) => Object.keys(e.programs)],
    ['python module', (e: Ecosystem) => Object.keys(e.pythonModules ?? {})],
  ] as const) {
    const claims = new Map<string, string[]>();
    for (const e of ecosystems) for (const name of of(e)) claims.set(name, [...(claims.get(name) ?? []), e.id]);
    for (const [name, by] of claims) if (by.length > 1) problems.push(`${kind} ${name} is claimed by ${by.join(' and ')}`);
  }
  for (const e of ecosystems) {
    if (!/^[a-z][a-z0-9-]*$/.test(e.id)) problems.push(`id ${e.id} is not a folder name (lower case, digits, dashes)`);
    if (!files.folders.includes(e.id)) problems.push(`${e.id} has no folder src/ecosystems/${e.id}/`);
    if (!files.exists(`src/ecosystems/${e.id}/readme.md`)) problems.push(`${e.id} has no src/ecosystems/${e.id}/readme.md`);
    const test = files.read(`test/ecosystems/${e.id}.test.ts`);
    if (test === null) problems.push(`${e.id} has no truth table test/ecosystems/${e.id}.test.ts`);
    else if (!test.includes(`runTester(\n  '${e.id}'`) && !test.includes(`runTester('${e.id}'`))
      problems.push(`test/ecosystems/${e.id}.test.ts does not call runTester('${e.id}', …)`);
    if (Array.isArray(e.cwdIndependent))
      for (const p of e.cwdIndependent) if (!Object.hasOwn(e.programs, p)) problems.push(`${e.id}: cwdIndependent names ${p}, which it does not claim`);
    if (e.installer) {
      const table = files.read(`rules/${e.id}.json`);
      if (table === null) problems.push(`installer ${e.id} has no rules table rules/${e.id}.json`);
      else if ((JSON.parse(table) as { manager?: string }).manager !== e.id) problems.push(`rules/${e.id}.json is not the table of ${e.id}`);
      for (const p of e.installer.installsKnownNames)
        if (!Object.hasOwn(e.programs, p)) problems.push(`${e.id}: installsKnownNames names ${p}, which it does not claim`);
    }
  }
  for (const folder of files.folders) if (!ids.includes(folder)) problems.push(`src/ecosystems/${folder}/ is not in the registry`);
  return problems;
}

const noop = () => ignored('run.noop', 'test');

describe('the ecosystem registry', () => {
  it('is consistent with its folders, tables and tests', () => {
    expect(registryProblems(ECOSYSTEMS, repoFiles)).toEqual([]);
  });

  it('fails when a program is claimed twice, an id is repeated, an installer has no table, a folder lacks its test or readme', () => {
    const apk = ECOSYSTEMS.find((e) => e.id === 'apk')!;
    const thief = defineEcosystem({ id: 'zz-thief', summary: 'test', programs: { apk: noop } });
    expect(registryProblems([...ECOSYSTEMS, thief], repoFiles)).toEqual(
      expect.arrayContaining([
        'program apk is claimed by apk and zz-thief',
        'zz-thief has no folder src/ecosystems/zz-thief/',
        'zz-thief has no src/ecosystems/zz-thief/readme.md',
        'zz-thief has no truth table test/ecosystems/zz-thief.test.ts',
      ]),
    );
    expect(registryProblems([apk, apk], { ...repoFiles, folders: ['apk'] })).toContain('id apk is listed twice');
    const tableless = defineEcosystem({
      id: 'zypper',
      summary: 'test',
      programs: { zypper: noop },
      installer: { naming: 'distribution', coverage: false, installsKnownNames: ['zypper'] },
    });
    expect(registryProblems([tableless], { ...repoFiles, folders: ['zypper'] })).toContain('installer zypper has no rules table rules/zypper.json');
    expect(registryProblems([...ECOSYSTEMS].reverse(), repoFiles).some((p) => p.startsWith('ids are not sorted'))).toBe(true);
    expect(registryProblems(ECOSYSTEMS, { ...repoFiles, read: (r) => (r === 'test/ecosystems/go.test.ts' ? null : repoFiles.read(r)) })).toContain(
      'go has no truth table test/ecosystems/go.test.ts',
    );
    expect(
      registryProblems(
        ECOSYSTEMS.filter((e) => e.id !== 'misc'),
        repoFiles,
      ),
    ).toContain('src/ecosystems/misc/ is not in the registry');
  });

  it('is where every list of managers comes from', () => {
    expect(managers).toEqual(MANAGERS);
    expect(MANAGERS).toEqual(INSTALLERS.map((e) => e.id));
    expect(MANAGERS).toEqual([...MANAGERS].sort());
    expect(MANAGERS).toEqual(expect.arrayContaining(['apk', 'apt', 'dnf', 'npm', 'pip']));
    for (const m of coveredManagers) expect(MANAGERS).toContain(m);
    // Every package table in rules/ belongs to an installer.
    const tables = readdirSync(path.join(repoRoot, 'rules')).filter((f) => f.endsWith('.json') && f !== 'base-images.json');
    expect(tables.map((f) => f.replace(/\.json$/, '')).sort()).toEqual([...MANAGERS].sort());
  });

  it('orders the language builders by precedence (the first that applies builds a stage)', () => {
    expect(BUILDERS.map((e) => e.id)).toEqual(['go', 'cargo', 'npm', 'dotnet', 'gradle', 'maven', 'php', 'elixir', 'ruby']);
  });
});
