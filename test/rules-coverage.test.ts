/**
 * The coverage goal: on every Dockerfile of ../shared/corpus, at least 95% of the names passed to apk add,
 * apt-get/apt install and pip install resolve with confidence exact or high, and every other name is reported
 * with a note, never guessed. Names come from the converter (ARG/ENV substituted as a conversion does).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsContext } from '../src/io/fs-context.js';
import { coveredManagers, measureCoverage, renderCoverage } from '../src/check/coverage.js';
import { loadRules } from '../src/io/rules-files.js';
import { corpusDir } from './helpers/tools.js';
import { shell } from './helpers/shell.js';

const GOAL = 0.95;
const dockerfilesDir = path.join(corpusDir, 'dockerfiles');
const projectsDir = path.join(corpusDir, 'projects');
const present = existsSync(dockerfilesDir);
if (!present) console.warn(`SKIP: the corpus is not at ${dockerfilesDir}; the coverage figure is not measured`);

describe.skipIf(!present)('coverage of the corpus', () => {
  const inputs = present
    ? readdirSync(dockerfilesDir)
        .filter((f) => f !== 'INDEX.tsv')
        .sort()
        .map((name) => ({ name, text: readFileSync(path.join(dockerfilesDir, name), 'utf8') }))
        // The real projects, each with its build context (requirements files, lock files).
        .concat(
          (existsSync(projectsDir) ? readdirSync(projectsDir).sort() : [])
            .filter((p) => existsSync(path.join(projectsDir, p, 'Dockerfile')))
            .map((p) => ({
              name: `projects/${p}`,
              text: readFileSync(path.join(projectsDir, p, 'Dockerfile'), 'utf8'),
              context: fsContext(path.join(projectsDir, p)),
            })),
        )
    : [];
  const report = measureCoverage(inputs, loadRules(), shell);

  it(`resolves at least ${GOAL * 100}% of the package names with confidence exact or high`, () => {
    console.log(renderCoverage(report));
    expect(report.failed, 'a Dockerfile the converter rejects drops its names from the figure').toEqual([]);
    expect(report.overall.total).toBeGreaterThan(100);
    expect(report.overall.ratio!).toBeGreaterThanOrEqual(GOAL);
    for (const manager of coveredManagers) {
      expect(report.managers[manager]!.total, `${manager} names in the corpus`).toBeGreaterThan(20);
      expect(report.managers[manager]!.ratio!, `${manager} names resolved`).toBeGreaterThanOrEqual(GOAL);
    }
  });

  it('reports every name below high confidence with a note, and maps unknown names to nothing', () => {
    for (const name of report.below) {
      expect(name.note, `${name.file}:${name.line} ${name.manager} ${name.name}`).toMatch(/\S{3}/);
      if (name.confidence === 'none') expect(name.nix).toBeNull();
    }
    const counted = Object.values(report.managers).reduce((sum, m) => sum + m.total, 0);
    expect(counted).toBe(report.overall.total);
    expect(report.below.length).toBe(report.overall.total - report.overall.resolved);
  });

  it('lists install commands whose names are only known at build time', () => {
    // redis:7.2-alpine computes runDeps with scanelf at build time.
    expect(report.unread).toContainEqual(
      expect.objectContaining({
        file: 'docker-library__redis__7.2__alpine__Dockerfile',
        finding: expect.stringMatching(/only known at build time, so not mapped: .*\$runDeps/),
      }),
    );
  });
});

describe('coverage measurement', () => {
  const rules = loadRules();
  const dockerfile = [
    'FROM alpine:3.20',
    'ARG PKGS="curl git"',
    'ENV MORE=jq',
    'RUN apk add --no-cache $PKGS $MORE not-a-real-package-xyz',
    'RUN deps="$(cat /deps)" && apk add $deps',
    'RUN apk add --no-cache python3 py3-pip && pip install flask nosuchpypi-xyz',
    'RUN npm install -g typescript',
    '',
  ].join('\n');
  const report = measureCoverage([{ name: 'Dockerfile', text: dockerfile }], rules, shell);

  it('counts names after ARG and ENV substitution, per manager and overall', () => {
    expect(report.managers.apk!.total).toBe(6);
    expect(report.managers.pip!.total).toBe(2);
    expect(report.managers.apt!.total).toBe(0);
    expect(report.managers.apt!.ratio).toBeNull();
    expect(report.overall.total).toBe(8);
    expect(report.overall.resolved).toBe(report.managers.apk!.resolved + report.managers.pip!.resolved);
    expect(report.overall.ratio).toBeCloseTo(report.overall.resolved / 8);
    expect(report.below.map((b) => b.name)).toEqual(expect.arrayContaining(['not-a-real-package-xyz', 'nosuchpypi-xyz']));
    expect(report.below.find((b) => b.name === 'not-a-real-package-xyz')).toMatchObject({
      manager: 'apk',
      line: 4,
      confidence: 'none',
      nix: null,
      note: expect.stringMatching(/no nixpkgs attribute/),
    });
  });

  it('leaves npm out of the figure', () => {
    expect(Object.keys(report.managers).sort()).toEqual(['apk', 'apt', 'pip']);
  });

  it('reports names only known at build time instead of counting or guessing them', () => {
    expect(report.unread).toEqual([
      { file: 'Dockerfile', line: 5, finding: expect.stringMatching(/^apk install: .*only known at build time, so not mapped: \$deps/) },
    ]);
  });

  it('records a Dockerfile the converter rejects, and counts nothing from it', () => {
    const bad = measureCoverage([{ name: 'bad', text: 'RUN apk add curl\n' }], rules, shell);
    expect(bad.failed).toHaveLength(1);
    expect(bad.overall.total).toBe(0);
  });

  it('prints one line per manager and the overall figure', () => {
    const text = renderCoverage(report);
    expect(text).toMatch(/^apk\s+6 names\s+\d+\.\d%/m);
    expect(text).toMatch(/^apt\s+0 names\s+n\/a/m);
    expect(text).toMatch(/^overall\s+8 names/m);
  });
});
