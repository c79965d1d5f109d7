/**
 * The imports of the project's own TypeScript files, read with the TypeScript compiler's parser (no type checking):
 * static imports and re-exports, `import x = require()`, dynamic `import()`, `require()` and `import('…')` types.
 * Each import says whether it is type-only (erased when compiled: no module is loaded at run time).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface Import {
  /** The file holding the import, relative to the repository, with forward slashes (`src/cli/main.ts`). */
  from: string;
  /** What the import names: a package (`node:fs`, `execa`) or, for a relative import, the file it resolves to. */
  target: string;
  /** True when nothing is loaded at run time (`import type`, every name `type`-qualified, an `import('x')` type). */
  typeOnly: boolean;
  /** 1-based line of the import. */
  line: number;
}

/** Every .ts file under `dir` (a repository-relative folder), sorted, forward slashes. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (/\.(c|m)?ts$/.test(entry.name)) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * A relative specifier as the repository file it names: NodeNext imports say `./x.js` for `./x.ts`; a declaration
 * file (`mvdan-sh.d.ts`) and a folder's index are tried too. Packages are returned unchanged.
 */
export function resolveSpecifier(root: string, from: string, specifier: string, exists: (absolute: string) => boolean): string {
  if (!specifier.startsWith('.')) return specifier;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const stem = joined.replace(/\.(c|m)?js$/, '');
  const candidates = [joined, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, `${stem}.d.ts`, `${joined}/index.ts`];
  return candidates.find((candidate) => exists(path.join(root, candidate))) ?? joined;
}

/** The imports of one file's text. `from` is its repository-relative path. */
export function importsOf(text: string, from: string, resolve: (specifier: string) => string): Import[] {
  const source = ts.createSourceFile(from, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Import[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, typeOnly: boolean): void => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return; // import(variable): nothing to say statically
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push({ from, target: resolve(specifier.text), typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      // `import type …`, or `import { type A, type B }` with no default: erased. A bare `import 'x'` loads x.
      const named = clause?.namedBindings;
      const allTypeNames =
        !!clause && !clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, !!clause && (clause.isTypeOnly || allTypeNames));
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      const allTypeNames = !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, node.isTypeOnly || allTypeNames);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments.length === 1;
      if (isImport || isRequire) add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument)) add(node, argument.literal as ts.Expression, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The imports of every .ts file under `dir`. */
export function importsUnder(root: string, dir: string, exists: (absolute: string) => boolean = existsSync): Import[] {
  return sourceFiles(root, dir).flatMap((file) =>
    importsOf(readFileSync(path.join(root, file), 'utf8'), file, (specifier) => resolveSpecifier(root, file, specifier, exists)),
  );
}
