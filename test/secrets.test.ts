/** Credentials in ENV, ARG, LABEL or --build-arg are reported and never printed. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { secretReason } from '../src/convert/secrets.js';
import { jsonReport, textReport } from '../src/report/report.js';
import { loadRules } from '../src/io/rules-files.js';
import { repoRoot } from './helpers/tools.js';
import { shell } from './helpers/shell.js';

const awsKey = 'AKIAIOSFODNN7EXAMPLE';
const token = 's3cr3t-value-123';

describe('secret detection', () => {
  it.each([
    ['API_TOKEN', 'abc123', true],
    ['DB_PASSWORD', 'hunter22', true],
    ['AWS_SECRET_ACCESS_KEY', 'x'.repeat(40), true],
    ['ANY', awsKey, true],
    ['ANY', 'ghp_' + 'a'.repeat(36), true],
    ['PASSWORD_FILE', '/run/secrets/db', false],
    ['TOKEN', '', false],
    ['API_TOKEN', '${API_TOKEN}', false],
    ['NODE_ENV', 'production', false],
    ['KEYBOARD', 'us', false],
  ])('%s=%s → %s', (name, value, secret) => {
    expect(secretReason(name, value) !== null).toBe(secret);
  });

  it('reports ENV secrets as manual work and masks them in both reports', () => {
    const dockerfile = `FROM alpine\nARG GITHUB_TOKEN=${token}\nENV AWS_ACCESS_KEY_ID=${awsKey} REGION=eu\nLABEL build.token="${token}"\nCMD ["echo", "${awsKey}"]\n`;
    const { plan } = convertDockerfile(dockerfile, memoryContext({}), loadRules(), {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'x',
      contextFromOutput: '..',
      outputInContext: 'nix',
    });
    expect(plan.secrets.map((s) => [s.line, s.keyword, s.name])).toEqual([
      [2, 'ARG', 'GITHUB_TOKEN'],
      [3, 'ENV', 'AWS_ACCESS_KEY_ID'],
      [4, 'LABEL', 'build.token'],
    ]);
    const env = plan.instructions.find((i) => i.keyword === 'ENV')!;
    expect(env).toMatchObject({ status: 'manual', rule: 'env.secret' });
    expect(env.message).toMatch(/world-readable in \/nix\/store/);
    const json = JSON.stringify(jsonReport(plan, []));
    const text = textReport(plan, []);
    for (const output of [json, text]) {
      expect(output).not.toContain(awsKey);
      expect(output).not.toContain(token);
      expect(output).toContain('****');
    }
    expect(JSON.parse(json).secrets).toEqual([
      { line: 2, keyword: 'ARG', name: 'GITHUB_TOKEN', reason: expect.any(String) },
      { line: 3, keyword: 'ENV', name: 'AWS_ACCESS_KEY_ID', reason: expect.stringMatching(/AWS access key/) },
      { line: 4, keyword: 'LABEL', name: 'build.token', reason: expect.any(String) },
    ]);
  });

  it('masks a secret passed with --build-arg in the CLI output', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-secret-'));
    try {
      writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine\nARG NPM_TOKEN\nENV REGISTRY_AUTH=${NPM_TOKEN}\n');
      const result = spawnSync(
        process.execPath,
        [path.join(repoRoot, 'bin/dock2nix.js'), 'convert', path.join(dir, 'Dockerfile'), '--json', '--build-arg', `NPM_TOKEN=${token}`],
        { encoding: 'utf8' },
      );
      expect(result.status).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(token);
      expect(JSON.parse(result.stdout).instructions.find((i: { keyword: string }) => i.keyword === 'ENV').status).toBe('manual');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
