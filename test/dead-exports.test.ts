/**
 * No dead exports: every name a file in src/ exports is used somewhere else (src/, test/, bench/, scripts/, bin/).
 * Exports are read with the TypeScript parser; a use is the name as a whole word anywhere but its declaration. That can only
 * err towards "used" (a name mentioned in a comment counts), so a failure here is a real dead export: delete it,
 * or stop exporting it if its own file uses it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/tools.js';

/** Dead exports known and accepted for now (none): the test fails when one is used or gone, so delete the entry then. */
const KNOWN_DEAD: string[] = [];

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(path.join(repoRoot, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => path.relative(repoRoot, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** The names a module exports by declaration (`export function f`, `export const a, b`, `export interface I`, …). */
export function exportedNames(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  for (const statement of source.statements) {
    const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) continue;
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) if (ts.isIdentifier(declaration.name)) names.push(declaration.name.text);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.push(statement.name.text);
    }
  }
  return names;
}

const word = (name: string): RegExp => new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
const uses = (name: string, text: string): number => text.match(word(name))?.length ?? 0;

describe('dead exports', () => {
  const modules = filesUnder('src', /\.ts$/).filter((file) => !file.endsWith('.d.ts'));
  // This file names the known dead exports: it is no use of them.
  const readers = [...modules, ...['test', 'bench', 'scripts', 'bin'].flatMap((dir) => filesUnder(dir, /\.(ts|mts|cts|js|mjs|cjs)$/))].filter(
    (file) => file !== 'test/dead-exports.test.ts',
  );
  const texts = new Map(readers.map((file) => [file, readFileSync(path.join(repoRoot, file), 'utf8')]));
  const dead = modules.flatMap((file) =>
    exportedNames(file, texts.get(file)!)
      // Used nowhere: not in another file, and not in its own past the declaration (an export only its own file
      // uses, say a parameter's type, is not dead).
      .filter((name) => uses(name, texts.get(file)!) <= 1 && ![...texts].some(([other, text]) => other !== file && uses(name, text) > 0))
      .map((name) => `${file} ${name}`),
  );

  it('reads the exports (the reader is not blind)', () => {
    expect(
      exportedNames(
        'x.ts',
        'export const a = 1, b = 2;\nexport function f() {}\nexport type T = 1;\nexport interface I {}\nexport class C {}\nconst hidden = 1;\nexport default 3;\n',
      ),
    ).toEqual(['a', 'b', 'f', 'T', 'I', 'C']);
    expect(modules.length).toBeGreaterThan(80);
  });

  it('finds no export that nothing else uses', () => {
    expect(dead.filter((entry) => !KNOWN_DEAD.includes(entry))).toEqual([]);
  });

  it('lists no known dead export that is used or gone (delete the entry)', () => {
    expect(KNOWN_DEAD.filter((entry) => !dead.includes(entry))).toEqual([]);
  });
});
