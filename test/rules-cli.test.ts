/**
 * `dock2nix rules` through the built CLI (run `npm run build` first; `npm test` does): lookups, tables, JSON,
 * exit codes, and `rules check` against a stub nixpkgs with the real nix-instantiate.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules, managers } from '../src/io/rules-files.js';
import { repoRoot, requireTool } from './helpers/tools.js';

const bin = path.join(repoRoot, 'bin/dock2nix.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-rules-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('dock2nix rules (built CLI)', () => {
  it('shows what a name maps to, with confidence, note and evidence', () => {
    const result = run(['rules', 'apt', 'nginx-module-njs']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^apt nginx-module-njs → nginx\n/);
    expect(result.stdout).toMatch(/confidence: low/);
    expect(result.stdout).toMatch(/note: +njs is not compiled in/);
    expect(result.stdout).toMatch(/evidence: +https:\/\/github.com\/NixOS\/nixpkgs\/blob\/master\/pkgs\//);
    expect(result.stdout).toContain('https://github.com/NixOS/nixpkgs/blob/master/pkgs/servers/http/nginx/generic.nix');
  });

  it('looks names up the way the ecosystem compares them, and says which entry matched', () => {
    const result = run(['rules', 'pip', 'Flask_SQLAlchemy', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      manager: 'pip',
      name: 'Flask_SQLAlchemy',
      key: 'flask-sqlalchemy',
      found: true,
      nix: ['python3Packages.flask-sqlalchemy'],
      confidence: 'exact',
    });
    const derived = JSON.parse(run(['rules', 'apk', 'py3-psycopg2-binary', '--json']).stdout);
    expect(derived).toMatchObject({ found: true, via: 'rule', confidence: 'low', note: expect.any(String) });
  });

  it('exits 1 for a name nothing maps, without guessing', () => {
    const text = run(['rules', 'apt', 'surely-not-a-package-xyz']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/no nixpkgs attribute is known/);
    const json = run(['rules', 'apt', 'surely-not-a-package-xyz', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ found: false, confidence: 'none', nix: [] });
  });

  it('prints a whole table, or all of them', () => {
    const npm = run(['rules', 'npm']);
    expect(npm.code).toBe(0);
    const count = Object.keys(loadRules().packages.npm!.packages).length;
    expect(npm.stdout.split('\n')[0]).toBe(`npm: ${count} entries (rules/npm.json)`);
    expect(npm.stdout.trim().split('\n')).toHaveLength(count + 1);
    const json = JSON.parse(run(['rules', 'apk', '--json']).stdout);
    expect(json.manager).toBe('apk');
    expect(json.packages.curl.attrs).toEqual(['curl']);
    const all = run(['rules']);
    expect(all.stdout).toMatch(/^apk: \d+ entries/m);
    expect(all.stdout).toMatch(/^pip: \d+ entries/m);
  });

  it('rejects an unknown manager and a misplaced --nixpkgs as usage errors', () => {
    const bogus = run(['rules', 'yum', 'curl']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toBe(`dock2nix: unknown package manager "yum" (expected ${managers.join(', ')}, or "check")\n`);
    expect(run(['rules', 'apk', 'curl', '--nixpkgs', work]).code).toBe(2);
  });

  it('rules check: without nix-instantiate says so in one line and exits 4 (nothing checked is not a pass)', () => {
    // An empty PATH hides nix-instantiate; node itself is started by absolute path.
    const result = run(['rules', 'check'], { PATH: path.join(work, 'empty-path') });
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('nixpkgs check skipped: nix-instantiate is not installed (install Nix to check attributes against your nixpkgs)\n');
    const json = run(['rules', 'check', '--json'], { PATH: path.join(work, 'empty-path') });
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'skipped', skipReason: expect.stringMatching(/nix-instantiate is not installed/) });
  });

  it.skipIf(!requireTool('nix-instantiate', 'dock2nix rules check without nixpkgs'))(
    'rules check: with Nix but no <nixpkgs> on NIX_PATH says so in one line and exits 4',
    () => {
      const result = run(['rules', 'check'], { NIX_PATH: '', HOME: work, XDG_STATE_HOME: work, XDG_CONFIG_HOME: work });
      expect(result.code).toBe(4);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('nixpkgs check skipped: <nixpkgs> is not on NIX_PATH (set NIX_PATH, or pass --nixpkgs PATH)\n');
    },
  );

  it('rules check: a --nixpkgs path that does not exist is an error', () => {
    const result = run(['rules', 'check', '--nixpkgs', path.join(work, 'absent')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^dock2nix: .*absent: nixpkgs not found/);
  });

  it.skipIf(!requireTool('nix-instantiate', 'dock2nix rules check against a stub nixpkgs'))(
    'rules check: evaluates every table attribute against the given nixpkgs',
    () => {
      const nixpkgs = path.join(work, 'nixpkgs');
      spawnSync('mkdir', ['-p', nixpkgs]);
      writeFileSync(
        path.join(nixpkgs, 'default.nix'),
        `{ ... }: {
        curl = { type = "derivation"; name = "curl-8.5.0"; version = "8.5.0"; };
        python312 = { type = "derivation"; name = "python3-3.13.1"; version = "3.13.1"; };
        nginx = throw "nginx was removed from this stub";
      }\n`,
      );
      const text = run(['rules', 'check', '--nixpkgs', nixpkgs]);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/^  nginx +evaluating "nginx" throws: nginx was removed from this stub/m);
      expect(text.stdout).toMatch(/^  python312 +3\.13\.1 vs 3\.12 +DRIFT/m);
      const report = JSON.parse(run(['rules', 'check', '--nixpkgs', nixpkgs, '--json']).stdout);
      expect(report.status).toBe('checked');
      expect(report.attributes.find((a: { attr: string }) => a.attr === 'curl')).toMatchObject({ present: true, version: '8.5.0' });
      expect(report.attributes.find((a: { attr: string }) => a.attr === 'gnumake')).toMatchObject({ present: false, problem: 'missing' });
      expect(report.summary.present).toBe(2);
      expect(report.summary.drifted).toBe(1);
    },
  );
});
