/**
 * The layering the README promises, read from the imports of every file in src/ (test/helpers/imports.ts parses
 * them with the TypeScript compiler; test/helpers/boundaries.ts holds the rules):
 * - the pure core (src/{convert,dockerfile,ecosystems,nix,rules,shell}) and every src/ file it loads at run time
 *   load no file system, processes, workers, vm, V8 flags, execa nor prompts (a type-only import loads nothing and
 *   is allowed), and import nothing from the edges src/{audit,check,cli,engines,io,wizard}, not even a type;
 * - no two top-level folders of src/ load each other in a circle (run-time imports; a type-only import is erased).
 */
import { describe, expect, it } from 'vitest';
import { checkBoundaries, type KnownViolation } from './helpers/boundaries.js';
import { importsOf, importsUnder, type Import } from './helpers/imports.js';
import { repoRoot } from './helpers/tools.js';

/**
 * Known violations, each with the plan that removes it. Each entry is one exact import; the test fails when
 * an entry is no longer needed, so delete it when the fix lands. Add nothing here without a plan
 * to remove it.
 */
const KNOWN_VIOLATIONS: KnownViolation[] = [
  // The stage model the ecosystems build on (convert/stage.ts, convert/programs/{args,packages}.ts, glob.ts,
  // toml.ts) still lives in src/convert, so src/convert ⇄ src/ecosystems is a circle; these are its convert side.
  // Next step: move that model to a folder of its own below both, then delete these entries.
  { file: 'src/convert/answers.ts', imports: 'src/ecosystems/index.ts' },
  { file: 'src/convert/derivations.ts', imports: 'src/ecosystems/build-helpers.ts' },
  { file: 'src/convert/derivations.ts', imports: 'src/ecosystems/cargo/build.ts' },
  { file: 'src/convert/derivations.ts', imports: 'src/ecosystems/index.ts' },
  { file: 'src/convert/programs/dispatch.ts', imports: 'src/ecosystems/define.ts' },
  { file: 'src/convert/programs/dispatch.ts', imports: 'src/ecosystems/index.ts' },
];

describe('architecture: the boundaries of src/', () => {
  const imports = importsUnder(repoRoot, 'src');

  it('reads the imports of src/ (the reader is not blind)', () => {
    expect(imports.length).toBeGreaterThan(300);
    const edge = (from: string, target: string): Import | undefined => imports.find((i) => i.from === from && i.target === target);
    expect(edge('src/cli/main.ts', 'commander')?.typeOnly).toBe(false);
    expect(edge('src/engines/process.ts', 'node:fs/promises')?.typeOnly).toBe(false); // a dynamic import()
    expect(edge('src/nix/emit.ts', 'src/convert/types.ts')?.typeOnly).toBe(true); // import type
  });

  it('keeps the core free of I/O and of the edges', () => {
    expect(checkBoundaries(imports, KNOWN_VIOLATIONS).violations).toEqual([]);
  });

  it('has no folders that import each other in a circle', () => {
    expect(checkBoundaries(imports, KNOWN_VIOLATIONS).cycles).toEqual([]);
  });

  it('lists no known violation that is gone (delete the entry)', () => {
    expect(checkBoundaries(imports, KNOWN_VIOLATIONS).stale).toEqual([]);
  });
});

describe('architecture: reading imports', () => {
  const read = (text: string): Array<[string, boolean]> =>
    importsOf(text, 'src/convert/x.ts', (specifier) => (specifier.startsWith('.') ? `resolved:${specifier}` : specifier)).map((i) => [i.target, i.typeOnly]);

  it('sees static, re-exported, dynamic, required and type-position imports, and which load nothing', () => {
    const text = [
      "import { a } from 'pkg-a';",
      "import type { B } from 'pkg-b';",
      "import { type C, type D } from 'pkg-c';",
      "import { type E, f } from 'pkg-e';",
      "import g, { type H } from 'pkg-g';",
      "import 'pkg-side-effect';",
      "import * as ns from './ns.js';",
      "export { x } from './x.js';",
      "export type { Y } from './y.js';",
      "export * from 'pkg-star';",
      "import fs = require('node:fs');",
      'async function later() { await import("node:child_process"); const name = "v"; await import(name); }',
      "let t: import('node:worker_threads').Worker;",
      "const r = require('execa');",
      'const s = \'import x from "not-an-import"\';',
    ].join('\n');
    expect(read(text)).toEqual([
      ['pkg-a', false],
      ['pkg-b', true],
      ['pkg-c', true],
      ['pkg-e', false],
      ['pkg-g', false],
      ['pkg-side-effect', false],
      ['resolved:./ns.js', false],
      ['resolved:./x.js', false],
      ['resolved:./y.js', true],
      ['pkg-star', false],
      ['node:fs', false],
      ['node:child_process', false],
      ['node:worker_threads', true],
      ['execa', false],
    ]);
  });
});

describe('architecture: the rules on made-up imports', () => {
  const imp = (from: string, target: string, typeOnly = false): Import => ({ from, target, typeOnly, line: 1 });

  it('flags the core loading I/O, directly or through a file it loads, and importing an edge even for a type', () => {
    const { violations } = checkBoundaries(
      [
        imp('src/convert/a.ts', 'node:fs/promises'),
        imp('src/nix/b.ts', 'fs'),
        imp('src/dockerfile/c.ts', 'node:fs', true), // erased: allowed
        imp('src/shell/d.ts', '@inquirer/prompts'),
        imp('src/rules/e.ts', 'src/cli/io.ts', true),
        imp('src/ecosystems/apk/index.ts', 'execa'),
        imp('src/convert/f.ts', 'src/helper.ts'),
        imp('src/helper.ts', 'node:child_process'),
        imp('src/cli/main.ts', 'node:fs'), // an edge may
        imp('src/io/read.ts', 'node:fs'),
      ],
      [],
    );
    expect(violations).toEqual([
      'src/convert/a.ts:1 → node:fs/promises (the core may not load node:fs/promises)',
      'src/ecosystems/apk/index.ts:1 → execa (the core may not load execa)',
      'src/helper.ts:1 → node:child_process (the core may not load node:child_process, loaded by the core through src/convert/f.ts)',
      'src/nix/b.ts:1 → fs (the core may not load fs)',
      'src/rules/e.ts:1 → src/cli/io.ts (the core may not import src/cli/ (it is an edge))',
      'src/shell/d.ts:1 → @inquirer/prompts (the core may not load @inquirer/prompts)',
    ]);
  });

  it('reports a circle of folders with the imports that make it, ignoring type-only imports', () => {
    const imports = [
      imp('src/audit/run.ts', 'src/cli/commands/convert.ts'),
      imp('src/cli/commands/audit.ts', 'src/audit/gates.ts'),
      imp('src/nix/emit.ts', 'src/convert/types.ts', true),
      imp('src/convert/convert.ts', 'src/nix/emit.ts'),
      imp('src/convert/plan.ts', 'src/convert/stage.ts'),
    ];
    expect(checkBoundaries(imports, []).cycles).toEqual([
      'src/audit, src/cli import each other; one circle: src/audit → src/cli → src/audit (src/audit/run.ts:1 imports src/cli/commands/convert.ts; src/cli/commands/audit.ts:1 imports src/audit/gates.ts)',
    ]);
    expect(checkBoundaries(imports, [{ file: 'src/audit/run.ts', imports: 'src/cli/commands/convert.ts' }])).toEqual({ violations: [], cycles: [], stale: [] });
  });

  it('says which known violations are stale', () => {
    const imports = [imp('src/shell/a.ts', 'node:fs', true), imp('src/cli/a.ts', 'src/io/b.ts')];
    const known = [
      { file: 'src/shell/a.ts', imports: 'node:fs' }, // now type-only: breaks nothing
      { file: 'src/shell/gone.ts', imports: 'node:v8' },
      { file: 'src/cli/a.ts', imports: 'src/io/b.ts' }, // no circle
    ];
    expect(checkBoundaries(imports, known).stale).toEqual([
      'src/shell/a.ts → node:fs (no longer breaks a rule)',
      'src/shell/gone.ts → node:v8 (no longer imported)',
      'src/cli/a.ts → src/io/b.ts (no longer breaks a rule)',
    ]);
  });
});
