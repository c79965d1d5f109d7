/**
 * Syntax trees remembered on disk (src/shell/parse.ts): a script seen before is read back, not parsed; what is
 * read back is exactly what parsing gives; damaged entries are parsed again; the parser is not loaded at all when
 * every script of a run is known.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TREE_FORMAT } from '../src/shell/parse.js';
import { corpusDir, repoRoot } from './helpers/tools.js';
import { cachedTrees, PACK_NAME, treeFiles, treeFolders } from './helpers/tree-packs.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-shell-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bin = path.join(repoRoot, 'bin/dock2nix.js');
const noParser = path.join(repoRoot, 'test/helpers/no-shell-parser.cjs');

const noTreeSitter = path.join(repoRoot, 'test/helpers/no-tree-sitter.mjs');

function convert(dir: string, out: string, env: Record<string, string>, preload?: string, blockTreeSitter = false) {
  const flags = [...(preload ? ['--require', preload] : []), ...(blockTreeSitter ? ['--import', noTreeSitter] : [])];
  const result = spawnSync(process.execPath, [...flags, bin, 'convert', 'Dockerfile', '-o', out, '--force'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stderr: result.stderr };
}

/** The scripts' hashes the cache holds trees for. */
function entries(cache: string): string[] {
  return [...cachedTrees(cache).keys()];
}

describe('remembered syntax trees', () => {
  const dir = path.join(work, 'app');
  cpSync(path.join(repoRoot, 'fixtures/python-debian-user'), dir, { recursive: true, filter: (p) => !p.includes(`${path.sep}expected`) });
  // The fixture's RUN scripts are plain enough to be read without a parser (and then not cached): one quoted word
  // each makes them the parsers' and the cache's.
  const quoted = readFileSync(path.join(dir, 'Dockerfile'), 'utf8').replace(' curl ', ' "curl" ').replace('appuser\n', '"appuser"\n').replace('-r requirements.txt', '-r "requirements.txt"');
  writeFileSync(path.join(dir, 'Dockerfile'), quoted);

  // DOCK2NIX_SHELL_READER=mvdan turns the tree-sitter reader off, so mvdan/sh is the only way to a tree.
  const mvdanOnly = { DOCK2NIX_SHELL_READER: 'mvdan' };

  it('are read back on the next run, which then does not load the shell parser', () => {
    const cache = path.join(work, 'cache-a');
    expect(convert(dir, 'out-1', { DOCK2NIX_CACHE_DIR: cache, ...mvdanOnly }).code).toBe(0);
    const stored = entries(cache);
    expect(stored.length).toBeGreaterThan(0);
    expect(readdirSync(cache).some((f) => /^mvdan-sh-[0-9a-f]{16}\.bin$/.test(f))).toBe(true);
    const second = convert(dir, 'out-2', { DOCK2NIX_CACHE_DIR: cache, ...mvdanOnly }, noParser);
    expect(second.code, second.stderr).toBe(0);
    for (const file of ['default.nix', 'flake.nix']) expect(readFileSync(path.join(dir, 'out-2', file), 'utf8')).toEqual(readFileSync(path.join(dir, 'out-1', file), 'utf8'));
    // The same run without the cache needs the parser: the hook does block it.
    expect(convert(dir, 'out-3', { DOCK2NIX_CACHE_DIR: cache, DOCK2NIX_CACHE: '0', ...mvdanOnly }, noParser).code).not.toBe(0);
  });

  it('are not needed by a first run of common RUN lines: tree-sitter reads them, mvdan-sh is not loaded', () => {
    for (const word of [' "curl" ', '"appuser"', '"requirements.txt"']) expect(quoted).toContain(word); // one in each RUN script
    const cache = path.join(work, 'cache-e');
    const first = convert(dir, 'out-6', { DOCK2NIX_CACHE_DIR: cache }, noParser);
    expect(first.code, first.stderr).toBe(0);
    const reference = convert(dir, 'out-7', { DOCK2NIX_CACHE: '0', ...mvdanOnly });
    expect(reference.code, reference.stderr).toBe(0);
    for (const file of ['default.nix', 'flake.nix']) expect(readFileSync(path.join(dir, 'out-6', file), 'utf8')).toEqual(readFileSync(path.join(dir, 'out-7', file), 'utf8'));
    expect((existsSync(cache) ? readdirSync(cache) : []).some((f) => f.startsWith('mvdan-sh-'))).toBe(false);
  });

  it('keep tree-sitter\'s readings too, which the next run reads back loading neither parser', () => {
    const cache = path.join(work, 'cache-f');
    const first = convert(dir, 'out-8', { DOCK2NIX_CACHE_DIR: cache }, noParser);
    expect(first.code, first.stderr).toBe(0);
    expect(entries(cache)).toHaveLength(3); // the fixture's three RUN scripts
    const second = convert(dir, 'out-9', { DOCK2NIX_CACHE_DIR: cache }, noParser, true);
    expect(second.code, second.stderr).toBe(0);
    for (const file of ['default.nix', 'flake.nix']) expect(readFileSync(path.join(dir, 'out-9', file), 'utf8')).toEqual(readFileSync(path.join(dir, 'out-8', file), 'utf8'));
    // The hooks do block: without the cache the same run has no parser left.
    expect(convert(dir, 'out-11', { DOCK2NIX_CACHE_DIR: cache, DOCK2NIX_CACHE: '0' }, noParser, true).code).not.toBe(0);
  });

  it('that are damaged are parsed again, and the new readings win', () => {
    const cache = path.join(work, 'cache-b');
    expect(convert(dir, 'out-4', { DOCK2NIX_CACHE_DIR: cache, ...mvdanOnly }).code).toBe(0);
    const stored = entries(cache);
    expect(stored.length).toBeGreaterThan(0);
    // Damage every entry (half not JSON, half the wrong shape) and add lines that are not entries at all.
    for (const pack of treeFiles(cache)) {
      const lines = readFileSync(pack, 'utf8').split('\n').filter(Boolean);
      const damaged = lines.map((line, i) => `${line.slice(0, 65)}${i % 2 ? '{"ok": true, "file": {"stmts": 7}}' : '{not json'}`);
      writeFileSync(pack, `${damaged.join('\n')}\nnot an entry\n${'a'.repeat(64)}\n\t{}\n`);
    }
    expect(convert(dir, 'out-5', { DOCK2NIX_CACHE_DIR: cache, ...mvdanOnly }).code).toBe(0);
    for (const file of ['default.nix', 'flake.nix']) expect(readFileSync(path.join(dir, 'out-5', file), 'utf8')).toEqual(readFileSync(path.join(dir, 'out-4', file), 'utf8'));
    const trees = cachedTrees(cache);
    for (const hash of stored) expect(JSON.parse(trees.get(hash)!).ok).toBe(true);
  });

  it('are kept in a few pack files: runs add one each, and past eight a run merges them, keeping every tree', () => {
    const cache = path.join(work, 'cache-g');
    const app = path.join(work, 'packs');
    const hashes: string[] = [];
    for (let run = 0; run < 11; run++) {
      const script = `apt-get install -y curl && echo "run-${run}"`;
      hashes.push(createHash('sha256').update(script).digest('hex'));
      cpSync(dir, app, { recursive: true });
      writeFileSync(path.join(app, 'Dockerfile'), `FROM debian:bookworm-slim\nRUN ${script}\n`);
      expect(convert(app, 'out', { DOCK2NIX_CACHE_DIR: cache }).code).toBe(0);
      const files = treeFiles(cache);
      expect(files.every((file) => PACK_NAME.test(path.basename(file))), files.join(' ')).toBe(true); // no temporaries
      expect(files.length).toBeLessThanOrEqual(8);
      expect(new Set(entries(cache))).toEqual(new Set(hashes));
    }
    // Every script of those runs is read back: a run over all of them loads no parser at all.
    writeFileSync(path.join(app, 'Dockerfile'), `FROM debian:bookworm-slim\n${hashes.map((_, run) => `RUN apt-get install -y curl && echo "run-${run}"\n`).join('')}`);
    const all = convert(app, 'out', { DOCK2NIX_CACHE_DIR: cache }, noParser, true);
    expect(all.code, all.stderr).toBe(0);
  });

  it('are not lost or damaged by runs at the same time', async () => {
    const cache = path.join(work, 'cache-h');
    const { spawn } = await import('node:child_process');
    const scripts = Array.from({ length: 6 }, (_, i) => `apt-get install -y curl && echo "side-by-side-${i}"`);
    // Eight packs already, so that every run below merges while the others read and write.
    for (let i = 0; i < 8; i++) {
      const app = path.join(work, `seed-${i}`);
      cpSync(dir, app, { recursive: true });
      writeFileSync(path.join(app, 'Dockerfile'), `FROM debian:bookworm-slim\nRUN echo "seed-${i}"\n`);
      expect(convert(app, 'out', { DOCK2NIX_CACHE_DIR: cache }).code).toBe(0);
    }
    const runs = scripts.map((script, i) => {
      const app = path.join(work, `side-${i}`);
      cpSync(dir, app, { recursive: true });
      writeFileSync(path.join(app, 'Dockerfile'), `FROM debian:bookworm-slim\nRUN ${script}\n`);
      return new Promise<number | null>((resolve) => {
        spawn(process.execPath, [bin, 'convert', 'Dockerfile', '-o', 'out', '--force'], { cwd: app, env: { ...process.env, DOCK2NIX_CACHE_DIR: cache }, stdio: 'ignore' }).on('exit', resolve);
      });
    });
    expect(await Promise.all(runs)).toEqual(scripts.map(() => 0));
    const files = treeFiles(cache);
    expect(files.every((file) => PACK_NAME.test(path.basename(file))), files.join(' ')).toBe(true);
    const trees = cachedTrees(cache);
    for (const text of trees.values()) expect(JSON.parse(text).ok).toBe(true);
    // A merge removes only the packs it has read, and writes what they held: no run's trees are lost.
    for (const script of [...scripts, ...Array.from({ length: 8 }, (_, i) => `echo "seed-${i}"`)]) expect(trees.has(createHash('sha256').update(script).digest('hex')), script).toBe(true);
  });

  it('tidy only what is theirs: other versions once a day old, dead writers\' temporaries, and piles of packs', () => {
    const cache = path.join(work, 'cache-i');
    expect(convert(dir, 'out-t', { DOCK2NIX_CACHE_DIR: cache }).code).toBe(0);
    const [folder] = treeFolders(cache);
    const [pack] = treeFiles(cache);
    // Things that are not dock2nix's, an older version's folder, a newer one's, and a temporary of a killed run.
    mkdirSync(path.join(cache, 'shell-scripts'));
    writeFileSync(path.join(cache, 'shell-scripts', 'keep.sh'), 'x');
    writeFileSync(path.join(cache, 'shell-history.txt'), 'x');
    const old = path.join(cache, 'shell-0123456789abcdef');
    const recent = path.join(cache, 'shell-fedcba9876543210');
    for (const other of [old, recent]) mkdirSync(other);
    const dayAndMore = new Date(Date.now() - 25 * 60 * 60 * 1000);
    utimesSync(old, dayAndMore, dayAndMore);
    const deadTemporary = path.join(folder!, `.${path.basename(pack!)}.dock2nix-999999999-0badf00d.tmp`);
    writeFileSync(deadTemporary, 'half a pack');
    // Ten packs of the same trees: the next run, though it adds nothing, merges them.
    for (let i = 0; i < 9; i++) cpSync(pack!, pack!.replace(/-([0-9a-f]+)\.jsonl$/, `-$1${i}.jsonl`));
    const before = cachedTrees(cache);
    expect(convert(dir, 'out-t', { DOCK2NIX_CACHE_DIR: cache }).code).toBe(0);
    expect(existsSync(path.join(cache, 'shell-scripts', 'keep.sh'))).toBe(true);
    expect(existsSync(path.join(cache, 'shell-history.txt'))).toBe(true);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(deadTemporary)).toBe(false);
    expect(treeFiles(cache).filter((f) => f.startsWith(folder!))).toHaveLength(1);
    expect(cachedTrees(cache)).toEqual(before);
  });

  it('keep the parser\'s verdicts only: a crash of one run (a stack overflow) is not remembered', () => {
    const cache = path.join(work, 'cache-d');
    const script = `const { analyzeShell } = await import(${JSON.stringify(path.join(repoRoot, 'dist/shell/analyze.js'))});
      console.log(JSON.stringify(analyzeShell('('.repeat(3000) + 'true' + ')'.repeat(3000), {}, '/')));`;
    const small = spawnSync(process.execPath, ['--stack-size=300', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, DOCK2NIX_CACHE_DIR: cache } });
    expect(JSON.parse(small.stdout)).toMatchObject({ ok: false, error: expect.stringMatching(/call stack/) });
    expect(existsSync(cache) ? entries(cache) : []).toEqual([]);
    // A syntax error is the parser's own verdict: remembered.
    const bad = spawnSync(process.execPath, ['--input-type=module', '-e', script.replace("'('.repeat(3000) + 'true' + ')'.repeat(3000)", "'echo ok\\nfi'")], { encoding: 'utf8', env: { ...process.env, DOCK2NIX_CACHE_DIR: cache } });
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, line: 2 });
    expect(entries(cache)).toHaveLength(1);
  });

  it('give exactly the analysis that parsing gives, for every fixture and corpus RUN script', () => {
    const cache = path.join(work, 'cache-c');
    const sources = readdirSync(path.join(repoRoot, 'fixtures'))
      .map((name) => path.join(repoRoot, 'fixtures', name, 'Dockerfile'))
      .filter((file) => existsSync(file));
    if (existsSync(corpusDir)) sources.push(...readdirSync(path.join(corpusDir, 'dockerfiles')).filter((f) => f !== 'INDEX.tsv').map((f) => path.join(corpusDir, 'dockerfiles', f)));
    else console.log('corpus not found (../shared/corpus): only the fixtures are compared');
    // Each run analyses every RUN script (plus a parse error) in a fresh process and prints the results.
    const script = `
      const { readFileSync } = await import('node:fs');
      const { parseDockerfile } = await import(${JSON.stringify(path.join(repoRoot, 'dist/dockerfile/parse.js'))});
      const { analyzeShell } = await import(${JSON.stringify(path.join(repoRoot, 'dist/shell/analyze.js'))});
      const out = [analyzeShell('echo ok\\nfi', {}, '/')];
      for (const file of ${JSON.stringify(sources)}) {
        let model;
        try { model = parseDockerfile(readFileSync(file, 'utf8'), file, {}); } catch { continue; }
        for (const stage of model.stages) for (const i of stage.instructions) {
          if (i.keyword === 'RUN' && i.run.form === 'shell') out.push(analyzeShell(i.run.command, i.env, '/app'));
        }
      }
      console.log(JSON.stringify(out));`;
    const analyse = (env: Record<string, string>) => {
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, DOCK2NIX_CACHE_DIR: cache, ...env } });
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as unknown[];
    };
    const direct = analyse({ DOCK2NIX_CACHE: '0' });
    const filling = analyse({});
    const recalled = analyse({});
    expect(direct.length).toBeGreaterThan(existsSync(corpusDir) ? 150 : 10);
    expect(filling).toEqual(direct);
    expect(recalled).toEqual(direct);
    expect(direct[0]).toEqual({ ok: false, error: '"fi" can only be used to end an if', line: 2 });
  });
});

describe('the tree format', () => {
  it('is what TREE_FORMAT says: change the tree, bump the format', async () => {
    process.env.DOCK2NIX_CACHE = '0'; // parse now, whatever the cache holds
    const { parseShell } = await import('../src/shell/parse.js');
    let parse;
    try {
      parse = parseShell('A=1 run "x$Y" ${Z:-d} <<<w > f && { b || c | d; } ; if x; then y; elif z; then :; else w; fi; case a in b) c;; esac; f() { g; }; time h; (i); while j; do k; done; for l in m; do n; done; export O=p');
    } finally {
      delete process.env.DOCK2NIX_CACHE;
    }
    const digest = createHash('sha256').update(JSON.stringify(parse)).digest('hex').slice(0, 16);
    // When this fails, the shape of ShellFile changed: bump TREE_FORMAT in src/shell/parse.ts (so trees cached in
    // the old shape are not read) and then record the new format and digest here.
    expect({ format: TREE_FORMAT, digest }).toEqual({ format: 1, digest: '51f9b86126dbbc5c' });
  });
});
