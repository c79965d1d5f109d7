/**
 * What the tree-sitter reader (read.ts) works on: the grammar's tree copied out of WebAssembly as plain data, and the
 * script with its line continuations joined.
 */
import type { Language, Node, TreeCursor } from 'web-tree-sitter';

/** Raised inside the reader for anything it does not read with certainty. */
export class GiveUp extends Error {}

export function giveUp(): never {
  throw new GiveUp();
}

/**
 * A node as plain data. Each property of web-tree-sitter's nodes is a call into WebAssembly (and field names are
 * strings made on each call), so the tree is read once, with a few calls a node, and no field names.
 */
export interface Syntax {
  type: string;
  isNamed: boolean;
  startIndex: number;
  endIndex: number;
  children: Syntax[];
}

interface GrammarTypes {
  names: readonly string[];
  named: boolean[];
}

let typesCache: { language: Language; types: GrammarTypes } | null = null;
export function grammarTypes(language: Language): GrammarTypes {
  if (typesCache?.language !== language) {
    const names = language.types;
    typesCache = { language, types: { names, named: names.map((_, id) => language.nodeTypeIsNamed(id)) } };
  }
  return typesCache.types;
}

/**
 * Nodes whose children are not copied: parts whose inside the analysis never reads (they stay `Other`), and
 * tokens that have none (asking would be one more call into WebAssembly for half the nodes of a tree).
 */
const OPAQUE = new Set([
  'arithmetic_expansion',
  'process_substitution',
  'comment',
  'word',
  'number',
  'variable_name',
  'special_variable_name',
  'string_content',
  'raw_string',
  'ansi_c_string',
  'file_descriptor',
  'test_operator',
  'regex',
  'extglob_pattern',
]);

/**
 * Nodes whose children are separate tokens: between them there may be only blanks and line continuations. The
 * grammar has been seen to drop text there (an escaped blank, `\\ `, standing alone as a word), so any other
 * text in such a gap gives the script up.
 */
const SEPARATED = new Set([
  'program',
  'command',
  'list',
  'pipeline',
  'redirected_statement',
  'compound_statement',
  'subshell',
  'do_group',
  'if_statement',
  'elif_clause',
  'else_clause',
  'while_statement',
  'for_statement',
  'case_statement',
  'case_item',
  'declaration_command',
  'variable_assignments',
  'unset_command',
  'function_definition',
  'negated_command',
  'file_redirect',
  'test_command',
  'unary_expression',
  'binary_expression',
]);

export const GAP = /^(?:[ \t\r\n]|\\\n)*$/;

/** Nodes that end at a newline: the grammar has been seen to run `A=1\nb` on as one command. */
const ONE_LINE = new Set([
  'command',
  'declaration_command',
  'unset_command',
  'variable_assignments',
  'file_redirect',
  'redirected_statement',
  'negated_command',
  'test_command',
]);

/** The tree as plain data, read with a cursor: about a third cheaper than asking each node for its children. */
export function plainTree(node: Node, types: GrammarTypes, source: string): Syntax {
  const cursor = node.walk();
  try {
    return fromCursor(cursor, types, source);
  } finally {
    cursor.delete();
  }
}

function fromCursor(cursor: TreeCursor, types: GrammarTypes, source: string): Syntax {
  const id = cursor.nodeTypeId;
  const type = types.names[id] ?? 'ERROR';
  const startIndex = cursor.startIndex;
  const endIndex = cursor.endIndex;
  const children: Syntax[] = [];
  if (!OPAQUE.has(type) && cursor.gotoFirstChild()) {
    do children.push(fromCursor(cursor, types, source));
    while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }
  if (SEPARATED.has(type)) {
    const oneLine = ONE_LINE.has(type);
    let at = startIndex;
    for (const child of [...children, null]) {
      const gap = source.slice(at, child ? child.startIndex : endIndex);
      if (!GAP.test(gap) || (oneLine && gap.includes('\n'))) giveUp();
      if (child) at = child.endIndex;
    }
  }
  return { type, isNamed: types.named[id] ?? true, startIndex, endIndex, children };
}

/**
 * The script with its line continuations (backslash, newline) taken out, as the shell takes them out before it
 * reads words, and where they were (indexes in the joined text); the reader works on the joined text and maps
 * positions back. Only continuations after a blank are taken out; where one may not be a continuation (single
 * quotes, comments, here-documents in the script) nothing is tried: null.
 */
export function joinLines(script: string): { text: string; removed: number[] } | null {
  if (!script.includes('\\\n')) return { text: script, removed: [] };
  if (/['#]|<</.test(script)) return null;
  let text = '';
  const removed: number[] = [];
  let from = 0;
  for (let at = script.indexOf('\\\n'); at !== -1; at = script.indexOf('\\\n', at + 2)) {
    // Only continuations between words, as RUN scripts break long lines: inside a word (`a\\<newline>b`, `$\\<newline>x`)
    // mvdan/sh's spans and literals follow rules of their own.
    if (at > 0 && script[at - 1] !== ' ' && script[at - 1] !== '\t') return null;
    let escapes = 0;
    while (at - 2 - escapes >= 0 && script[at - 2 - escapes] === '\\') escapes++;
    if (escapes % 2 === 1) return null; // the blank before it is escaped (`a\\ \\<newline>`): inside a word
    text += script.slice(from, at);
    removed.push(text.length);
    from = at + 2;
  }
  return { text: text + script.slice(from), removed };
}
