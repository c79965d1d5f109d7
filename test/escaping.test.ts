/**
 * Strings from a Dockerfile stay text. Generated cases go through the real converter and the real Nix
 * evaluator (many cases per evaluation): every value arrives exactly as Docker would have it, and Nix syntax
 * (`${...}`, `''`, backslashes) never becomes Nix code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { indented, print, str } from '../src/nix/ast.js';
import { loadRules } from '../src/io/rules-files.js';
import { nixEvalJson, nixString, requireTool, stubNixpkgs } from './helpers/tools.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shell } from './helpers/shell.js';

/** Text that tends to break escaping: Nix and shell syntax, quotes, backslashes, unicode. */
const nasty = fc
  .array(
    fc.oneof(
      fc.constantFrom('${', '}', '$', "''", "'", '"', '\\', '\\n', '`', '${builtins.currentSystem}', "'''", "''$", "''\\", ' ', '\t', 'é', '✓', '#', ';', '\n'),
      fc.string({ maxLength: 1, unit: 'grapheme' }),
    ),
    { maxLength: 16 },
  )
  .map((parts) => parts.join(''));

describe('Nix string printing', () => {
  it('round-trips any text through double-quoted and indented strings', () => {
    if (!requireTool('nix-instantiate', 'Nix string round trips')) return;
    const samples = fc.sample(nasty, { numRuns: 300, seed: 42 });
    samples.push("a'", "'", "x''", "'''", "''${x}", "'${", "end with quote'");
    const expression = `[ ${samples.map((s) => `${print(str(s))} ${print(indented(s.endsWith('\n') ? s : `${s}\n`), '  ')}`).join('\n')} ]`;
    const values = nixEvalJson(expression) as string[];
    const expected = samples.flatMap((s) => [s, s.endsWith('\n') ? s : `${s}\n`]);
    // Indented strings strip the common leading indentation; the samples are compared with that rule applied.
    expect(values.filter((_, i) => i % 2 === 0)).toEqual(expected.filter((_, i) => i % 2 === 0));
    values.forEach((value, i) => {
      if (i % 2 === 1 && !/^[ \t]/m.test(expected[i]!)) expect(value).toBe(expected[i]);
    });
  });
});

describe('Dockerfile strings in the evaluated image', () => {
  it('keeps CMD, ENTRYPOINT, ENV, LABEL, WORKDIR and file names exactly as Docker would', () => {
    if (!requireTool('nix-instantiate', 'round trips of Dockerfile strings through Nix')) return;
    // Single-quoted ENV/LABEL values are taken literally by Docker; JSON-form CMD/ENTRYPOINT too.
    const literal = nasty.filter((s) => !s.includes("'") && !s.includes('\n') && !s.includes('\r'));
    const cases = fc.sample(
      fc.tuple(
        nasty.filter((s) => !s.includes('\r')),
        literal,
        literal,
      ),
      { numRuns: 40, seed: 7 },
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-escape-'));
    try {
      const expressions: string[] = [];
      const expected: unknown[] = [];
      cases.forEach(([cmdArg, envValue, labelValue], index) => {
        // Docker runs COPY sources through its word lexer (variables, quotes), so the name carries none.
        const fileName = `f ${index} {y} #é.txt`;
        const dockerfile = [
          'FROM scratch',
          `ENV V='${envValue}'`,
          `LABEL "l"='${labelValue}'`,
          `WORKDIR '/w/${envValue.replace(/[/\\]/g, '_')}'`,
          `COPY ${JSON.stringify([fileName, '/data/'])}`,
          `CMD ${JSON.stringify([cmdArg])}`,
          `ENTRYPOINT ${JSON.stringify(['/bin/x', cmdArg])}`,
        ].join('\n');
        const context = memoryContext({ [fileName]: 'x' });
        const { files, plan } = convertDockerfile(dockerfile, context, loadRules(), {
          shell,
          dockerfilePath: `case-${index}`,
          imageName: `case${index}`,
          contextFromOutput: '.',
          outputInContext: null,
        });
        expect(
          plan.instructions.filter((i) => i.status === 'manual').map((i) => i.message),
          dockerfile,
        ).toEqual([]);
        const file = path.join(dir, `case-${index}.nix`);
        writeFileSync(file, files['default.nix']);
        writeFileSync(path.join(dir, fileName), 'x');
        expressions.push(`(let a = (import ${nixString(file)} { inherit pkgs; }).imageArgs; in { inherit (a) config; script = a.extraCommands; })`);
        expected.push({
          cmd: [cmdArg],
          entry: ['/bin/x', cmdArg],
          env: `V=${envValue}`,
          label: labelValue,
          workdir: `/w/${envValue.replace(/[/\\]/g, '_')}`,
          dest: `'data/${fileName.replace(/'/g, `'\\''`)}'`,
        });
      });
      const results = nixEvalJson(`let pkgs = import ${nixString(stubNixpkgs)} { }; in [ ${expressions.join(' ')} ]`) as Array<{
        config: { Cmd: string[]; Entrypoint: string[]; Env: string[]; Labels: Record<string, string>; WorkingDir: string };
        script: string;
      }>;
      results.forEach((result, i) => {
        const want = expected[i] as { cmd: string[]; entry: string[]; env: string; label: string; workdir: string; dest: string };
        expect(result.config.Cmd).toEqual(want.cmd);
        expect(result.config.Entrypoint).toEqual(want.entry);
        expect(result.config.Env).toContain(want.env);
        expect(result.config.Labels.l).toBe(want.label);
        expect(result.config.WorkingDir).toBe(want.workdir.replace(/\/+$/, '') || '/');
        expect(result.script).toContain(want.dest);
        expect(result.script).not.toMatch(/x86_64-linux|aarch64-linux/);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
