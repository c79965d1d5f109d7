/**
 * The plainest RUN scripts are read without a parser (src/shell/plain-script.ts). Whenever that reading gives a
 * tree it must be mvdan/sh's, spans and line numbers included; on anything else it gives none. Held on every RUN
 * script of the fixtures and the corpus and on generated scripts that are plain, nearly plain, or plain but for
 * one character.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readPlainScript } from '../src/shell/plain-script.js';
import { disagreementWithMvdan } from './helpers/agreement.js';
import { fixtureAndCorpusRunScripts } from './helpers/run-scripts.js';
import { repoRoot } from './helpers/tools.js';

/** null when the readings agree or the plain reading gave none; else what differs. */
const disagreement = disagreementWithMvdan(readPlainScript, 'the plain reading');

const plainWord = fc.stringMatching(/^[A-Za-z0-9_./:=@+,%^~*?-]{1,10}$/);
const commandName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('apt-get', 'npm', 'pip', 'go', 'rm', 'mkdir', 'useradd', 'ln', 'chmod', ':', '.', 'true') },
  // First words that are not plain commands for mvdan/sh: assignments, reserved and declaring words.
  { weight: 1, arbitrary: fc.constantFrom('A=1', 'x+=y', 'if', 'then', 'fi', 'for', 'in', 'do', 'done', 'export', 'local', 'declare', 'let', 'time', 'coproc', 'function', 'select', 'case', '!', '{', '}', '[[', 'until', 'while') },
  { weight: 1, arbitrary: plainWord },
);
const command = fc.tuple(commandName, fc.array(plainWord, { maxLength: 5 })).map(([name, args]) => [name, ...args].join(' '));
const joiner = fc.constantFrom(' && ', ' || ', '&&', '||', '\n', ' \\\n    && ', ' && \\\n  ', ' &&\n  ', '\n\n', ' \\\n ', '  ');
const plainish = fc
  .tuple(fc.constantFrom('', ' ', '\n', '  \n'), command, fc.array(fc.tuple(joiner, command), { maxLength: 5 }), fc.constantFrom('', ' ', '\n', ' \\\n', ' &&'))
  .map(([lead, first, rest, tail]) => lead + first + rest.map(([j, c]) => j + c).join('') + tail);
/** A plain script with one character put in somewhere: quotes, expansions, operators, continuations inside words. */
const spoiled = fc
  .tuple(plainish, fc.nat(), fc.constantFrom('"', "'", '$', '#', '\\', '\\\n', ';', '|', '&', '!', '{', '}', '(', ')', '[', ']', '<', '>', '=', '\t', '\r', '`', 'é', '\0', ' \\', '&&&', '||&'))
  .map(([source, at, char]) => {
    const where = at % (source.length + 1);
    return source.slice(0, where) + char + source.slice(where);
  });

describe('reading the plainest RUN scripts without a parser', () => {
  it('reads the fixtures\' and the corpus\'s scripts as mvdan/sh does, and the plain ones all', (context) => {
    const { scripts, corpus } = fixtureAndCorpusRunScripts();
    let read = 0;
    for (const { where, source } of scripts) {
      expect(disagreement(source), where).toBeNull();
      if (readPlainScript(source)) read++;
    }
    // A reader that gave up everywhere would pass the loop above; these scripts are plain and must be read.
    for (const source of ['npm ci', 'apt-get update \\\n    && apt-get install -y --no-install-recommends curl ca-certificates tzdata \\\n    && rm -rf /var/lib/apt/lists/*', 'pip install --no-cache-dir -r requirements.txt', 'useradd -m -u 1000 appuser']) {
      expect(readPlainScript(source), source).not.toBeNull();
    }
    expect(read / scripts.length).toBeGreaterThan(0.3);
    context.annotate?.(`${read} of ${scripts.length} scripts${corpus ? '' : ' (fixtures only)'} read without a parser`);
  });

  it('agrees with mvdan/sh on generated plain and nearly plain scripts, or gives none', () => {
    let read = 0;
    fc.assert(
      fc.property(plainish, (source) => {
        if (readPlainScript(source)) read++;
        const differs = disagreement(source);
        if (differs) throw new Error(differs);
      }),
      { numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(1000);
  });

  it('gives none, or mvdan/sh\'s tree, when one character spoils a plain script', () => {
    fc.assert(
      fc.property(spoiled, (source) => {
        const differs = disagreement(source);
        if (differs) throw new Error(differs);
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['A=1 make', 'an assignment'],
    ['export A', 'a declaration'],
    ['make && time go build', 'a reserved word after &&'],
    ['a\\\nb', 'a continuation inside a word'],
    ['a &&', 'a syntax error'],
    ['', 'nothing'],
    ['echo a[1]', 'a bracket (mvdan/sh splits the word)'],
  ])('leaves %j to a parser (%s)', (source) => {
    expect(readPlainScript(source)).toBeNull();
  });
});

describe('a conversion with plain RUN scripts only', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-plain-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('loads neither parser, and writes what a conversion with them writes', () => {
    const dir = path.join(work, 'app');
    cpSync(path.join(repoRoot, 'fixtures/python-debian-user'), dir, { recursive: true, filter: (p) => !p.includes(`${path.sep}expected`) });
    const run = (out: string, env: Record<string, string>, hooks: string[]) => {
      const result = spawnSync(process.execPath, [...hooks, path.join(repoRoot, 'bin/dock2nix.js'), 'convert', 'Dockerfile', '-o', out, '--force'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
      expect(result.status, result.stderr).toBe(0);
    };
    // No cache, mvdan-sh and tree-sitter both blocked: only the plain reading is left.
    run('plain', { DOCK2NIX_CACHE: '0' }, ['--require', path.join(repoRoot, 'test/helpers/no-shell-parser.cjs'), '--import', path.join(repoRoot, 'test/helpers/no-tree-sitter.mjs')]);
    run('mvdan', { DOCK2NIX_CACHE: '0', DOCK2NIX_SHELL_READER: 'mvdan' }, []);
    for (const file of ['default.nix', 'flake.nix']) expect(readFileSync(path.join(dir, 'plain', file), 'utf8')).toEqual(readFileSync(path.join(dir, 'mvdan', file), 'utf8'));
    // The hooks do block: a script that is not plain needs a parser.
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM debian:bookworm-slim\nRUN echo "$HOME" > /x\n');
    const blocked = spawnSync(process.execPath, ['--require', path.join(repoRoot, 'test/helpers/no-shell-parser.cjs'), '--import', path.join(repoRoot, 'test/helpers/no-tree-sitter.mjs'), path.join(repoRoot, 'bin/dock2nix.js'), 'convert', 'Dockerfile', '-o', 'blocked', '--force'], { cwd: dir, encoding: 'utf8', env: { ...process.env, DOCK2NIX_CACHE: '0' } });
    expect(blocked.status).not.toBe(0);
  });
});
