/**
 * Bounds on hostile input (issue 19, docs/security.md): inputs built to blow up time, memory or the stack get
 * a one-line answer or a normal result — never `internal error`, a stack trace or output that grows without
 * limit. Speed is not timed here (npm run bench measures it as ratios); these check the behaviour.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_EXPANDED_LENGTH } from '../src/dockerfile/parse.js';
import { mergeLayers } from '../src/image/wasted.js';
import type { LayerEntry } from '../src/image/types.js';
import { makeTar, writeDockerArchive } from './image/helpers.js';
import { repoRoot } from './helpers/tools.js';

const bin = path.join(repoRoot, 'bin/dock2nix.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-bounds-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function dock2nix(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function dockerfile(name: string, text: string): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), text);
  return path.join(name, 'Dockerfile');
}

describe('bounds', () => {
  it('refuses a value that variable substitution doubles past the limit, naming the line', () => {
    const lines = ['FROM alpine:3.19', 'ENV A=xxxxxxxx', ...Array.from({ length: 30 }, () => 'ENV A=$A$A'), 'CMD ["sh"]'];
    const file = dockerfile('doubling', `${lines.join('\n')}\n`);
    const result = dock2nix(['convert', file, '-o', 'doubling/nix']);
    expect(result.code).toBe(1);
    // 8 characters doubled 13 times pass 65,536: the 14th ENV (line 15) is the one refused.
    const line = 2 + Math.ceil(Math.log2(MAX_EXPANDED_LENGTH / 8)) + 1;
    expect(result.stderr.trim()).toBe(
      `dock2nix: ${file}:${line}: a value here expands to more than ${MAX_EXPANDED_LENGTH} characters after variable substitution; dock2nix refuses values this large`,
    );
  });

  it('keeps values just under the limit', () => {
    const lines = ['FROM alpine:3.19', 'ENV A=xxxxxxxx', ...Array.from({ length: 12 }, () => 'ENV A=$A$A'), 'CMD ["sh"]'];
    const result = dock2nix(['convert', dockerfile('under', `${lines.join('\n')}\n`), '-o', 'under/nix']);
    expect(result.code).toBe(0);
    expect(readFileSync(path.join(work, 'under/nix/default.nix'), 'utf8')).toContain('x'.repeat(8 << 12));
  });

  it('reads a RUN of 5,000 commands joined by && without overflowing the stack', () => {
    const run = Array.from({ length: 5000 }, (_, i) => `echo ${i}`).join(' && ');
    const result = dock2nix(['convert', dockerfile('andand', `FROM alpine:3.19\nRUN ${run}\n`), '-o', 'andand/nix', '--json']);
    expect(result.stderr).not.toMatch(/internal error|call stack/);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.instructions[1]).toMatchObject({ line: 2, keyword: 'RUN' });
  });

  it('plans 4,000 chained stages without overflowing the stack', () => {
    const stages = ['FROM alpine:3.19 AS s0', ...Array.from({ length: 4000 }, (_, i) => `FROM s${i} AS s${i + 1}`), 'CMD ["true"]'];
    const result = dock2nix(['convert', dockerfile('stages', `${stages.join('\n')}\n`), '-o', 'stages/nix', '--json']);
    expect(result.stderr).not.toMatch(/internal error|call stack/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).summary.mapped).toBeGreaterThan(4000);
  });

  it('merges a layer whose paths nest 5,000 folders deep, and a whiteout of such a tree', () => {
    const entry = (p: string, type: LayerEntry['type'], size = 0): LayerEntry => ({
      path: p,
      type,
      size,
      mode: 0o644,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
      mtime: 0,
    });
    const deep = `${'a/'.repeat(5000)}f`;
    const view = mergeLayers([[entry(deep, 'file', 3)]]);
    expect(view.visible).toEqual([{ path: deep, bytes: 3, layer: 0 }]);
    expect(view.visibleBytes).toBe(3);
    // Removing the top folder in a later layer wastes the deep file, found by the same walk.
    const removed = mergeLayers([[entry(deep, 'file', 3)], [{ ...entry('.wh.a', 'file'), whiteout: 'file' }]]);
    expect(removed.wastedBytes).toBe(3);
  });

  it('inspects an archive whose layer nests 5,000 folders deep', async () => {
    const layer = await makeTar([{ name: `${'d/'.repeat(5000)}file`, data: 'x' }]);
    const archive = await writeDockerArchive(path.join(work, 'deep.tar'), { blobs: [layer] });
    const result = dock2nix(['inspect', archive]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/1 files, 1 B of content/);
  });
});

describe('control characters in human output', () => {
  it('prints terminal escapes and bidirectional overrides from a Dockerfile as \\u escapes', () => {
    const file = dockerfile('escapes', 'FROM alpine:3.19\nRUN echo "\u001b[31mred\u001b]0;title\u0007" > /x\nLABEL note="\u202eevil"\n');
    const text = dock2nix(['convert', file, '-o', 'escapes/nix']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('echo "\\u001b[31mred\\u001b]0;title\\u0007" > /x');
    expect(text.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    const json = dock2nix(['convert', file, '-o', 'escapes/nix2', '--json']);
    expect(JSON.parse(json.stdout).instructions[1].message).toContain('echo "\u001b[31mred\u001b]0;title\u0007" > /x');
  });

  it('escapes them in one-line errors too', () => {
    const result = dock2nix(['convert', dockerfile('bad-escape', 'FROM alpine\n\u001b[2JBOGUS x\n'), '-o', 'bad-escape/nix']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown instruction: \\u001b[2JBOGUS');
  });
});

describe('numeric options', () => {
  it.each(['abc', '0', '-1', '1.5', '17', ''])('refuses --jobs %j with a usage error', (value) => {
    const file = dockerfile('jobs', 'FROM alpine:3.19\n');
    const result = dock2nix(['convert', '--jobs', value, file, file, '-o', 'jobs/nix']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`dock2nix: --jobs ${JSON.stringify(value)}: expected a whole number from 1 to 16`);
  });
});
