/**
 * A RUN script's syntax tree as plain, typed data: what the analysis (analyze.ts) reads, whichever reader made it
 * (tree-sitter/read.ts, or mvdan/read.ts for the scripts tree-sitter leaves). The shape is mvdan/sh's, since
 * mvdan/sh is the authority the readers are held to (test/shell-tree-sitter.test.ts).
 */

/** Byte offsets of a node in the UTF-8 script, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

export interface Stmt extends Span {
  cmd: Command | null;
  negated: boolean;
  redirs: Redirect[];
}

export interface Assign {
  name: string | null;
  value: Word | null;
}

export interface Redirect extends Span {
  word: Word | null;
}

export interface Word extends Span {
  parts: WordPart[];
}

/** `&&`, `||`, `|`, `|&`; named here, since mvdan/sh's operator numbers differ between its builds. */
export type BinaryOperator = '&&' | '||' | '|' | '|&' | 'other';

/** The defaulting expansions the analysis resolves (`${a:-b}` ...); every other operator is `other`. */
export type ExpansionOperator = ':-' | '-' | ':+' | '+' | 'other';

export interface Expansion {
  op: ExpansionOperator;
  word: Word | null;
}

export type WordPart =
  | { type: 'Lit'; value: string }
  | { type: 'SglQuoted'; dollar: boolean; value: string }
  | { type: 'DblQuoted'; parts: WordPart[] }
  | {
      type: 'ParamExp';
      param: string;
      /** Anything beyond a plain or defaulted expansion: length, width, slice, replace, index, indirection, name listing. */
      transformed: boolean;
      exp: Expansion | null;
    }
  | { type: 'Other'; goType: string };

export type Command =
  | { type: 'CallExpr'; line: number; assigns: Assign[]; args: Word[] }
  | { type: 'DeclClause'; line: number; variant: string; args: Assign[] }
  | { type: 'BinaryCmd'; op: BinaryOperator; x: Stmt; y: Stmt }
  | { type: 'Block'; stmts: Stmt[] }
  | { type: 'Subshell'; stmts: Stmt[] }
  | IfClause
  | { type: 'WhileClause'; cond: Stmt[]; body: Stmt[] }
  | { type: 'ForClause'; body: Stmt[] }
  | { type: 'CaseClause'; items: Stmt[][] }
  | { type: 'FuncDecl'; body: Stmt | null }
  | { type: 'TimeClause'; stmt: Stmt | null }
  | { type: 'Other'; goType: string };

export interface IfClause {
  type: 'IfClause';
  cond: Stmt[];
  then: Stmt[];
  /** `elif` or `else` (an IfClause without a condition), or null. */
  else: IfClause | null;
}

export interface ShellFile {
  stmts: Stmt[];
}
