/**
 * No Dockerfile text ever becomes shell (issue 19). Generated Dockerfiles put hostile strings in every field that
 * reaches the image-assembly scripts (context file names, COPY destinations, WORKDIR, chmod and mkdir modes,
 * chown owners, ln targets, useradd fields, USER), then:
 * - the generated extraCommands and fakeRootCommands pass `bash -n`, and every line outside dock2nix's own
 *   place() function is one of the intended commands (mkdir, chmod, chown, place, ln, rm) or a comment;
 * - both scripts run (under fakeroot, each store path a local folder) without ever creating the canary file that
 *   the hostile strings try to create;
 * - /etc/passwd and /etc/group get whole, well-formed lines only, and never a second uid-0 account;
 * - where nix-instantiate is installed, the Nix text of the scripts evaluates to exactly the scripts that ran,
 *   and every default.nix parses.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { fsContext } from '../src/io/fs-context.js';
import { loadRules } from '../src/io/rules-files.js';
import { layerScriptNodes, ownerScriptNodes } from '../src/nix/layer-script.js';
import { printShell, quote } from '../src/nix/shell.js';
import { renderScripts } from './helpers/assemble.js';
import { hasTool, nixEvalJson, nixString, requireTool, stubNixpkgs } from './helpers/tools.js';
import { shell } from './helpers/shell.js';

const rules = loadRules();
const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-shell-safety-'));

/**
 * Pieces that try to end a quote, a comment or a line, substitute a command, or pass for an option. The injected
 * command makes CANARY-MARK in the folder the scripts run in (the image root), where nothing is ever placed under
 * that name: it needs no `/` (which file names cannot hold) and no `$` (which Docker expands in COPY).
 */
const pieces = [
  "'",
  '"',
  '`',
  '$',
  '$(',
  ')',
  '${',
  '}',
  '\\',
  ';',
  '&',
  '|',
  '<',
  '>',
  '#',
  '*',
  '?',
  '[',
  '~',
  '-',
  '--',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u001b[31m',
  '\u2028',
  'é',
  "''",
  "'''",
  '$(touch CANARY-MARK)',
  '`touch CANARY-MARK`',
  ';touch CANARY-MARK;',
  '\ntouch CANARY-MARK\n',
  "'; touch CANARY-MARK; '",
  '"; touch CANARY-MARK; "',
  '\n#\ntouch CANARY-MARK #',
  '\n\ttouch CANARY-MARK',
  '755',
  'u+x',
  '1000:1000',
  'root',
  '..',
  '/',
];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 2 })), { minLength: 1, maxLength: 6 })
  .map((p) => p.join('').replace(/\u0000/g, ''));
/** A file name the file system takes: no `/`, not `.` or `..`. */
const fileName = hostile.map((s) => s.replace(/\//g, '_')).filter((s) => s !== '' && s !== '.' && s !== '..' && Buffer.byteLength(s) < 200);
/** Text on one Dockerfile line (WORKDIR, USER): no line breaks. */
const oneLine = hostile.map((s) => s.replace(/[\r\n]/g, '_').trim()).filter((s) => s !== '' && !s.startsWith('#') && !s.startsWith('['));

const cases = fc.record({
  name: fileName,
  dest: hostile,
  workdir: oneLine,
  mode: hostile,
  owner: hostile,
  linkTarget: hostile,
  link: hostile,
  user: hostile,
  home: hostile,
  shell: hostile,
  comment: hostile,
  userLine: oneLine,
  dir: hostile,
});

function dockerfileFor(c: (typeof samples)[number]): string {
  const json = (argv: string[]) => JSON.stringify(argv);
  return [
    'FROM debian:12',
    `WORKDIR /w/${c.workdir.replace(/\\/g, '_')}`,
    `COPY ${json([c.name, '/data/'])}`,
    `COPY ${json([c.name, `/d/${c.dest}`])}`,
    `RUN ${json(['chmod', c.mode, `/data/${c.name}`])}`,
    `RUN ${json(['chmod', '-R', '755', `/d/${c.dest}`])}`,
    `RUN ${json(['mkdir', '-p', '-m', c.mode, `/m/${c.dir}`])}`,
    `RUN ${json(['mkdir', '-p', `/n/${c.dir}`])}`,
    `RUN ${json(['useradd', '-m', '-d', `/home/${c.home}`, '-s', c.shell, '-c', c.comment, c.user])}`,
    `RUN ${json(['chown', c.owner, `/data/${c.name}`])}`,
    `RUN ${json(['chown', '-R', `${c.user}:${c.user}`, `/d/${c.dest}`])}`,
    `RUN ${json(['ln', '-s', c.linkTarget, `/l/${c.link}`])}`,
    `RUN ${json(['rm', '-f', `/data/${c.name}`])}`,
    `USER ${c.userLine}`,
  ].join('\n');
}

/** The PLACE function's text, which is dock2nix's own; every other line must be a command or a comment. */
const ALLOWED_LINE =
  /^(# .*|mkdir -p( --)? .+|chmod( -R)?( --)? [A-Za-z0-9,+=-]+ .+|chown( -R)?( --)? \d+:\d+ .+|place "[^"$`\\]+"('[^']*'|\$'[^']*')* .+|ln -sfn( --)? .+|rm -rf( --)? .+)$/;

function scriptLines(script: string): string[] {
  const start = script.indexOf('place() {');
  const withoutPlace = start === -1 ? script : script.slice(0, start) + script.slice(script.indexOf('\n}\n', start) + 3);
  return withoutPlace.split('\n').filter((l) => l !== '');
}

const samples = fc.sample(cases, { numRuns: 40, seed: 1919 });

describe('hostile Dockerfile text in the image-assembly scripts', () => {
  const converted = samples.map((c, index) => {
    const contextDir = path.join(work, `case-${index}`);
    mkdirSync(contextDir, { recursive: true });
    writeFileSync(path.join(contextDir, c.name), 'content\n');
    const dockerfile = dockerfileFor(c);
    const result = convertDockerfile(dockerfile, fsContext(contextDir), rules, {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: `case${index}`,
      contextFromOutput: '.',
      outputInContext: null,
    });
    writeFileSync(path.join(contextDir, 'default.nix'), result.files['default.nix']);
    return { c, dockerfile, contextDir, ...result };
  });

  it('quotes any text as one word that bash reads back unchanged', () => {
    const texts = fc.sample(hostile, { numRuns: 300, seed: 19 });
    for (const text of texts) expect(quote(text)).not.toMatch(/[\n\r]/);
    const script = texts.map((text) => `printf '%s\\0' ${quote(text)}`).join('\n');
    const run = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8' });
    expect(run.stdout.split('\0').slice(0, -1)).toEqual(texts);
  });

  it('writes only the intended command lines, which bash parses', () => {
    for (const { plan, dockerfile } of converted) {
      const scripts = [printShell(layerScriptNodes(plan)), printShell(ownerScriptNodes(plan))].map((parts) =>
        parts.map((p) => (typeof p === 'string' ? p : '/nix/store/x')).join(''),
      );
      for (const script of scripts) {
        for (const line of scriptLines(script)) expect(line, `${dockerfile}\n--- line:\n${line}`).toMatch(ALLOWED_LINE);
        const check = spawnSync('bash', ['--norc', '--noprofile', '-n'], { input: script, encoding: 'utf8' });
        expect(check.status, `${dockerfile}\n${check.stderr}`).toBe(0);
      }
    }
  });

  it('runs the scripts without executing anything the Dockerfile wrote', () => {
    if (!requireTool('fakeroot', 'running the generated scripts')) return;
    // One fakeroot session for all cases (each in its own subshell and root): fakeroot's start-up dominates.
    const runs = converted.map(({ plan, contextDir }, index) => {
      const folder = path.join(work, `run-${index}`);
      const root = path.join(folder, 'root');
      mkdirSync(root, { recursive: true });
      const scripts = renderScripts(plan, contextDir, folder);
      writeFileSync(path.join(folder, 'extra.sh'), scripts.extra);
      writeFileSync(path.join(folder, 'fakeroot.sh'), scripts.fakeRoot);
      return { root, folder, ...scripts };
    });
    const driver = runs.map((r) => `(cd ${quote(r.root)} && source ../extra.sh; source ../fakeroot.sh) >/dev/null 2>&1`).join('\n');
    spawnSync('fakeroot', ['bash', '--norc', '--noprofile', '-c', driver], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    runs.forEach((r, i) => {
      expect(
        existsSync(path.join(r.root, 'CANARY-MARK')),
        `${converted[i]!.dockerfile}\n--- extraCommands:\n${r.extra}\n--- fakeRootCommands:\n${r.fakeRoot}`,
      ).toBe(false);
    });
    // The scripts did run: every root has the /tmp the debian base gives.
    for (const r of runs) expect(existsSync(path.join(r.root, 'tmp')), r.extra).toBe(true);
  });

  it('gives whole /etc/passwd and /etc/group lines, and no second uid 0', () => {
    for (const { plan, dockerfile } of converted) {
      for (const line of plan.image.users?.passwd ?? []) {
        expect(line, dockerfile).not.toMatch(/[\u0000-\u001f\u007f]/);
        expect(line.split(':'), dockerfile).toHaveLength(7);
        expect(line.split(':')[2], dockerfile).not.toBe('0');
      }
      for (const line of plan.image.users?.group ?? []) {
        expect(line, dockerfile).not.toMatch(/[\u0000-\u001f\u007f]/);
        expect(line.split(':'), dockerfile).toHaveLength(4);
      }
    }
  });

  it('hostile modes, owners and user fields are manual, never mapped', () => {
    for (const { plan, c } of converted) {
      const chmod = plan.instructions.find((i) => i.line === 5)!;
      if (!/^[0-7]{3,4}$|^[ugoa+=rwxXst,-]+$/.test(c.mode)) expect(chmod.status, JSON.stringify(c.mode)).toBe('manual');
      const useradd = plan.instructions.find((i) => i.line === 9)!;
      if (/[:\u0000-\u001f\u007f]/.test(c.user + c.home + c.shell + c.comment)) expect(useradd.status, JSON.stringify(c)).toBe('manual');
    }
  });

  it('evaluates to the same scripts in Nix, and every default.nix parses', () => {
    if (!hasTool('nix-instantiate')) {
      console.warn('SKIP: nix-instantiate is not installed: the Nix side of the shell-safety cases is not checked');
      return;
    }
    const files = converted.map((x) => path.join(x.contextDir, 'default.nix'));
    const parse = spawnSync('nix-instantiate', ['--parse', ...files], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    expect(parse.status, parse.stderr).toBe(0);
    const some = converted.slice(0, 15);
    const evaluated = nixEvalJson(
      `let pkgs = import ${nixString(stubNixpkgs)} { }; in [ ${some.map((x) => `(let a = (import ${nixString(path.join(x.contextDir, 'default.nix'))} { inherit pkgs; }).imageArgs; in [ (a.extraCommands or "") (a.fakeRootCommands or "") ])`).join(' ')} ]`,
    ) as string[][];
    const normalise = (script: string) => script.replace(/"\/nix\/store\/[^"]*"/g, '"STORE"');
    some.forEach((x, i) => {
      const expected = [printShell(layerScriptNodes(x.plan)), printShell(ownerScriptNodes(x.plan))].map((parts) =>
        parts.map((p) => (typeof p === 'string' ? p : '/nix/store/x')).join(''),
      );
      expect(evaluated[i]!.map(normalise), x.dockerfile).toEqual(expected.map(normalise));
    });
  });
});
