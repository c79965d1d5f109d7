/**
 * A `#` inside a word (`…@${REF}#egg=y`, `s#$OLD#$NEW#g`) is text for the shell; mvdan-sh's 2020 build took it for
 * the start of a comment after a quote or an expansion (src/shell/mvdan/hash-sign.ts). Held to bash itself: whether
 * `&& b` after such a word is part of the script is asked of bash, on words made of the awkward pieces.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeShell } from '../src/shell/analyze.js';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { loadRules } from '../src/io/rules-files.js';
import { mvdan, shell } from './helpers/shell.js';

const PIECES = [
  '${A}',
  '$A',
  '$1',
  '$@',
  '$#',
  '"x"',
  "'y'",
  '#',
  '#z',
  '$(d)',
  '`d`',
  'a',
  '\\#',
  '=',
  '$((1))',
  '${A#b}',
  '${#A}',
  '"#"',
  "'#'",
  '\\$',
  '$$',
  ')',
];

/** Whether bash runs `b` in each script (one bash process per script, each given a second to run). */
function bashRunsB(scripts: string[]): boolean[] {
  return scripts.map((script) => {
    try {
      return execFileSync('bash', ['-c', `b() { echo B-RAN; }; d() { :; }; A=v; set -- p q\n${script}`], {
        encoding: 'utf8',
        timeout: 5000,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).includes('B-RAN');
    } catch (error) {
      return String((error as { stdout?: string }).stdout ?? '').includes('B-RAN');
    }
  });
}

describe('a # inside a word', () => {
  it('is read as bash reads it: `&& b` after the word is part of the script exactly when bash runs b', () => {
    const words = fc.sample(
      fc
        .array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 4 })
        .map((parts) => parts.join(''))
        .filter((w) => !w.startsWith('#')),
      { numRuns: 400 },
    );
    const scripts = [...new Set(words)].map((word) => `echo ${word} && b`);
    const ran = bashRunsB(scripts);
    let compared = 0;
    scripts.forEach((script, i) => {
      const parse = mvdan.read(script);
      if (!parse.ok) return; // a syntax error (an unmatched `)` or quote): bash does not run b either
      compared++;
      expect(parse.file.stmts[0]?.cmd?.type === 'BinaryCmd', script).toBe(ran[i]);
    });
    expect(compared).toBeGreaterThan(scripts.length / 2);
  });

  it.each([
    ['pip install git+https://github.com/x/y.git@${REF}#egg=y && apt-get install -y curl', ['pip', 'apt-get'], 'git+https://github.com/x/y.git@v1#egg=y'],
    ['sed -i "s#a#b#" f && sed -i s#$OLD#$NEW#g /etc/f', ['sed', 'sed'], 's#old#new#g'],
    ["echo 'a'#b && true", ['echo', 'true'], 'a#b'],
    ['if true; then pip install git+https://x/y@${REF}#egg=y; fi', ['true', 'pip'], 'git+https://x/y@v1#egg=y'],
    ['echo $(date)#x && true', ['echo', 'true'], null],
    ['echo ok # a comment && not a command', ['echo'], 'ok'],
    ['echo ${A#b}#c ${#A}', ['echo'], null],
  ])('%s', (script, programs, word) => {
    const analysis = analyzeShell(shell, script, { REF: 'v1', OLD: 'old', NEW: 'new', A: 'abc' }, '/');
    expect(analysis.ok).toBe(true);
    if (!analysis.ok) return;
    expect(analysis.commands.map((c) => c.words[0]?.text)).toEqual(programs);
    if (word !== null) expect(analysis.commands.flatMap((c) => c.words.map((w) => w.text))).toContain(word);
  });

  it('converts the commands after such a word', () => {
    const dockerfile =
      'FROM python:3.12-slim\nARG REF=v1\nRUN pip install git+https://github.com/x/y.git@${REF}#egg=y && apt-get update && apt-get install -y curl\n';
    const { plan } = convertDockerfile(dockerfile, memoryContext({}), loadRules(), {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'x',
      contextFromOutput: '..',
      outputInContext: 'nix',
    });
    expect(plan.packages.map((p) => `${p.manager} ${p.name}`)).toContain('apt curl');
  });
});
