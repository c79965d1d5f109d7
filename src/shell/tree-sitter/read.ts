/**
 * The reader of RUN scripts: tree-sitter's bash grammar (WebAssembly), read into the ShellFile that mvdan/sh's parse
 * gives (../tree.ts).
 *
 * mvdan/sh stays the authority. This reader covers the shapes RUN scripts are made of (commands, && || | lists,
 * redirections, quoting, expansions, if/while/for/case, blocks, subshells, functions, declarations) and gives up
 * (returns null) on anything else, on any syntax error and on any construct whose reading it is not sure of; the
 * caller then parses with mvdan/sh, which also words the errors (../reader.ts readerWithFallback).
 * test/shell-tree-sitter.test.ts holds the two readings equal, spans included, on the corpus, the fixtures and
 * generated scripts.
 *
 * Why this one first: mvdan/sh is Go compiled to JavaScript (1.6 MB to compile) and runs slowly until V8 has
 * optimised it (about 400 ms of CPU for a first run over the corpus), while tree-sitter's parser is compiled
 * WebAssembly, quick from its first call.
 *
 * Word parts are not taken from tree-sitter's leaves (its words sometimes carry a neighbour's blank): a word's
 * literal text is the source between its quoted and expanded parts, as mvdan/sh has it.
 */
import type { Parser } from 'web-tree-sitter';
import { GAP, GiveUp, giveUp, grammarTypes, joinLines, plainTree, type Syntax } from './cst.js';
import { mendable } from '../mvdan/hash-sign.js';
import type { Assign, Command, IfClause, Redirect, ShellFile, Stmt, Word, WordPart } from '../tree.js';

/** The tree-sitter reader: a tree, or null where it is not sure (the caller's fallback reads those). */
export interface TreeSitterReader {
  read(script: string): ShellFile | null;
  /** How many scripts it failed on with an error of its own (a bug): tests expect 0. */
  mistakes(): number;
}

/** The reader over `bash`, a web-tree-sitter parser with the bash grammar set (loaded by the caller: src/io/shell-reader.ts). */
export function treeSitterReader(bash: Parser): TreeSitterReader {
  let mistakes = 0;
  return {
    read(script) {
      const outcome = readWithTreeSitter(bash, script);
      if (outcome === MISTAKE) {
        mistakes++;
        return null;
      }
      return outcome;
    },
    mistakes: () => mistakes,
  };
}

const MISTAKE = Symbol('an error of the reader itself');

/** The script's tree as mvdan/sh would give it, or null: a syntax error, or a shape not covered. */
function readWithTreeSitter(bash: Parser, script: string): ShellFile | null | typeof MISTAKE {
  if (script.includes('\r')) return null; // CRLF: mvdan/sh takes backslash-CR-LF as a continuation
  if (script.includes('\0')) return null; // mvdan/sh drops NUL bytes from words
  if (!mendable(script)) return null; // mvdan/sh would read `${REF}#x` as a comment there (mvdan/hash-sign.ts)
  const joined = joinLines(script);
  if (!joined) return null;
  const tree = bash.parse(joined.text);
  if (!tree) return null;
  try {
    const root = tree.rootNode;
    if (root.hasError) return null;
    // The grammar starts the program after what it takes for blanks (a form feed, a byte order mark, `\ `).
    if (!GAP.test(joined.text.slice(0, root.startIndex)) || !GAP.test(joined.text.slice(root.endIndex))) return null;
    return { stmts: new Reader(joined.text, script, joined.removed).statements(plainTree(root, grammarTypes(tree.language), joined.text).children) };
  } catch (error) {
    // GiveUp, or anything else (a stack overflow on a deeply nested script): mvdan/sh parses, and words the error.
    // Anything but those two is a mistake of this reader: counted, so tests can see it (mistakes()).
    return error instanceof GiveUp || error instanceof RangeError ? null : MISTAKE;
  } finally {
    tree.delete();
  }
}

/** Word parts that end with a `)`. */
const CLOSED_BY_PAREN = new Set(['command_substitution', 'arithmetic_expansion', 'process_substitution']);

const STRUCTURED = new Set([
  'string',
  'raw_string',
  'ansi_c_string',
  'simple_expansion',
  'expansion',
  'command_substitution',
  'arithmetic_expansion',
  'process_substitution',
]);

/** Statement nodes of the grammar; anything else in a statement list (bar comments and separators) gives up. */
const STATEMENTS = new Set([
  'command',
  'declaration_command',
  'unset_command',
  'test_command',
  'variable_assignment',
  'variable_assignments',
  'redirected_statement',
  'list',
  'pipeline',
  'negated_command',
  'subshell',
  'compound_statement',
  'if_statement',
  'while_statement',
  'for_statement',
  'case_statement',
  'function_definition',
]);

/** Command names mvdan/sh reads as clauses of their own, which the grammar reads as plain commands. */
const CLAUSE_NAMES = new Set(['let', 'time', 'coproc', 'nameref', 'export', 'declare', 'local', 'readonly', 'typeset', 'function', 'select', '[[', '((']);

/** Reserved words the grammar takes for a command's name where the shell (and mvdan/sh) reports a syntax error. */
const RESERVED = new Set(['if', 'then', 'elif', 'else', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'in', '{', '}', '!', ']]']);

const BLANK = /[ \t\n\r]/;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A parameter as `$x` names it: a name, or one digit or special character. */
const PARAMETER = '[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]';
const PARAMETER_AT_START = new RegExp(`^\\$(${PARAMETER})`);
const PARAMETER_ONLY = new RegExp(`^(${PARAMETER})$`);
const PARAMETER_PREFIX = new RegExp(`^(${PARAMETER})`);

class Reader {
  /** UTF-8 byte offset of each UTF-16 index, when the script is not ASCII. */
  private readonly byteAt: Uint32Array | null;
  /** Index of the first character of each line. */
  private readonly lineStarts: number[] = [0];

  /** Inside a `${…}` word, where mvdan/sh does not split literals at `[`. */
  private inExpansion = 0;

  /**
   * @param source the script as read: line continuations taken out (joinLines)
   * @param original the script as written, which spans and lines refer to
   * @param removed where continuations were taken out of `source`
   */
  constructor(
    private readonly source: string,
    original: string,
    private readonly removed: number[],
  ) {
    for (let i = original.indexOf('\n'); i !== -1; i = original.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    if (/[^\x00-\x7f]/.test(original)) {
      this.byteAt = new Uint32Array(original.length + 1);
      let bytes = 0;
      for (let i = 0; i < original.length; i++) {
        this.byteAt[i] = bytes;
        const code = original.charCodeAt(i);
        if (code < 0x80) bytes += 1;
        else if (code < 0x800) bytes += 2;
        else if (code >= 0xd800 && code <= 0xdbff) {
          bytes += 4;
          this.byteAt[++i] = bytes; // a low surrogate never starts a node
        } else bytes += 3;
      }
      this.byteAt[original.length] = bytes;
    } else {
      this.byteAt = null;
    }
  }

  /** Whether a word may end at `index`: a blank, an operator or the end comes next. */
  private endsWord(index: number): boolean {
    const next = this.source[index];
    return next === undefined || /[\s;&|()<>]/.test(next);
  }

  /** Statements where the shell requires some (`then fi` is a syntax error). */
  private nonEmpty(stmts: Stmt[]): Stmt[] {
    if (stmts.length === 0) giveUp();
    return stmts;
  }

  /** A reserved word's token must stand alone (`do$i` is one word to the shell). */
  private keyword(token: Syntax | undefined, type: string): void {
    if (token?.type !== type || !this.endsWord(token.endIndex)) giveUp();
  }

  private text(node: Syntax): string {
    return this.source.slice(node.startIndex, node.endIndex);
  }

  /** An index of the joined text in the script as written; a continuation right at the index counts as before it. */
  private written(index: number): number {
    let low = 0;
    let high = this.removed.length; // count of continuations at or before index
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.removed[middle]! <= index) low = middle + 1;
      else high = middle;
    }
    return index + 2 * low;
  }

  /** The UTF-8 byte offset, in the script as written, of an index of the joined text where something starts. */
  private byte(index: number): number {
    const written = this.written(index);
    return this.byteAt ? this.byteAt[written]! : written;
  }

  /** The same for an index where something ends: just after its last character, before any continuation. */
  private endByte(index: number): number {
    const written = index === 0 ? 0 : this.written(index - 1) + 1;
    return this.byteAt ? this.byteAt[written]! : written;
  }

  private line(joinedIndex: number): number {
    const index = this.written(joinedIndex);
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle]! <= index) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }

  /** Where the node's own text starts: the grammar sometimes lets a token begin at the blank before it. */
  private start(node: Syntax): number {
    let at = node.startIndex;
    while (at < node.endIndex && BLANK.test(this.source[at]!)) at++;
    return at;
  }

  /** Statements of a list (program, block, body), with the `;` or `&` that ends each counted in its span. */
  statements(children: Syntax[]): Stmt[] {
    const stmts: Stmt[] = [];
    for (const child of children) {
      if (child.isNamed) {
        if (child.type === 'comment') continue;
        if (!STATEMENTS.has(child.type)) giveUp();
        stmts.push(this.stmt(child));
      } else if (child.type === ';' || child.type === '&') {
        const last = stmts[stmts.length - 1];
        if (!last || last.end > this.byte(child.startIndex)) giveUp();
        last.end = this.endByte(child.endIndex);
      } else if (child.type !== '\n') {
        giveUp(); // `;;` outside case, `|&`, keywords: not a plain list
      }
    }
    return stmts;
  }

  private plain(start: number, end: number, cmd: Command | null): Stmt {
    return { start: this.byte(start), end: this.endByte(end), cmd, negated: false, redirs: [] };
  }

  private stmt(node: Syntax): Stmt {
    switch (node.type) {
      case 'redirected_statement':
        return this.redirected(node);
      case 'list':
      case 'pipeline':
        return this.chain(node);
      case 'negated_command':
        return { ...this.negatedStart(node), negated: true };
      case 'variable_assignment':
      case 'variable_assignments': {
        const assigns =
          node.type === 'variable_assignment'
            ? [this.assign(node)]
            : node.children.map((child) => (child.type === 'variable_assignment' ? this.assign(child) : giveUp()));
        const start = this.start(node);
        return this.plain(start, node.endIndex, { type: 'CallExpr', line: this.line(start), assigns, args: [] });
      }
      default: {
        const start = this.start(node);
        return this.plain(start, node.endIndex, this.command(node));
      }
    }
  }

  private redirected(node: Syntax): Stmt {
    let body: Stmt | null = null;
    const redirs: Redirect[] = [];
    const words: Word[] = [];
    node.children.forEach((child, i) => {
      if (i === 0) {
        if (!STATEMENTS.has(child.type) || ['redirected_statement', 'negated_command', 'function_definition'].includes(child.type)) giveUp();
        body = this.stmt(child);
      } else if (child.type === 'file_redirect') {
        // `0</dev/null`, `{fd}>x`, `"x"2>y`: a descriptor the grammar left in the word before; `a > 2>&1`.
        if (this.start(child) === node.children[i - 1]!.endIndex) giveUp();
        const { redirect, rest } = this.redirect(child);
        redirs.push(redirect);
        words.push(...rest);
      } else {
        giveUp(); // here-documents, here-strings, anything else
      }
    });
    if (body === null || redirs.length === 0) giveUp();
    return this.withRedirects(body, redirs, words);
  }

  /**
   * The grammar hangs `a && b > f` and `a | b > f` on the whole list; the shell (and mvdan/sh) on its last command.
   * Every statement on the way there ends where the redirections end.
   */
  private withRedirects(stmt: Stmt, redirs: Redirect[], words: Word[]): Stmt {
    if (redirs[0]!.start < stmt.end) giveUp();
    const end = Math.max(redirs[redirs.length - 1]!.end, words.length ? words[words.length - 1]!.end : 0);
    if (stmt.cmd?.type === 'BinaryCmd') return { ...stmt, end, cmd: { ...stmt.cmd, y: this.withRedirects(stmt.cmd.y, redirs, words) } };
    if (!words.length) return { ...stmt, end, redirs: [...stmt.redirs, ...redirs] };
    if (stmt.cmd?.type !== 'CallExpr') giveUp();
    return { ...stmt, end, cmd: { ...stmt.cmd, args: [...stmt.cmd.args, ...words] }, redirs: [...stmt.redirs, ...redirs] };
  }

  /** A redirection, and the words the grammar hangs on it that are the command's arguments (`echo >&2 text`). */
  private redirect(node: Syntax): { redirect: Redirect; rest: Word[] } {
    const destinations: Syntax[] = [];
    node.children.forEach((child, i) => {
      if (child.type === 'file_descriptor') {
        if (i !== 0 || !/^[0-9]$/.test(this.text(child))) giveUp();
      } else if (child.isNamed) {
        destinations.push(child);
      } else if (destinations.length || !['>', '>>', '<', '>&', '<&', '&>', '&>>', '>|', '<>'].includes(child.type)) {
        giveUp();
      }
    });
    const [word, ...rest] = this.words(destinations);
    if (!word) giveUp();
    const operator = node.children.find((child) => !child.isNamed);
    if (destinations[0]!.type === 'process_substitution' && operator && destinations[0]!.startIndex === operator.endIndex) giveUp(); // `<>(b)`
    return { redirect: { start: this.byte(this.start(node)), end: word.end, word }, rest };
  }

  /**
   * `&&`, `||` and `|` chains. The grammar's nesting of them is not trusted (on long scripts it can put `a && b`
   * inside a pipeline): the statements and operators are read in source order and grouped as the shell groups
   * them, `|` before `&&` and `||`, each to the left, as mvdan/sh nests them. `! a | b` negates the pipeline,
   * whose first statement starts at the `!`.
   */
  private chain(node: Syntax): Stmt {
    const items: Array<Syntax | string> = [];
    const flatten = (list: Syntax): void => {
      for (const child of list.children) {
        if (child.type === 'list' || child.type === 'pipeline') flatten(child);
        else if (child.type === 'redirected_statement' && ['list', 'pipeline'].includes(child.children[0]?.type ?? '')) {
          // `a && b > f` inside a chain: the redirections belong to `b`
          const [body, ...redirects] = child.children;
          flatten(body!);
          const last = items.pop();
          if (typeof last !== 'object') giveUp();
          items.push({ type: 'redirected_statement', isNamed: true, startIndex: last.startIndex, endIndex: child.endIndex, children: [last, ...redirects] });
        } else if (child.isNamed) items.push(child);
        else if (['&&', '||', '|', '|&'].includes(child.type)) items.push(child.type);
        else giveUp();
      }
    };
    flatten(node);
    items.forEach((item, i) => {
      if ((typeof item === 'string') !== (i % 2 === 1)) giveUp();
    });
    if (items.length < 3 || items.length % 2 === 0) giveUp();
    let result: Stmt | null = null;
    let joiner: '&&' | '||' | null = null;
    let i = 0;
    while (i < items.length) {
      const first = items[i] as Syntax;
      const negated = first.type === 'negated_command';
      let pipe = negated ? this.negatedStart(first) : this.link(first);
      for (i++; items[i] === '|' || items[i] === '|&'; i += 2) {
        const y = this.link(items[i + 1] as Syntax);
        pipe = { start: pipe.start, end: y.end, cmd: { type: 'BinaryCmd', op: items[i] as '|' | '|&', x: pipe, y }, negated: false, redirs: [] };
      }
      if (negated) pipe = { ...pipe, negated: true };
      result =
        result === null || joiner === null
          ? pipe
          : { start: result.start, end: pipe.end, cmd: { type: 'BinaryCmd', op: joiner, x: result, y: pipe }, negated: false, redirs: [] };
      if (i < items.length) joiner = items[i++] as '&&' | '||';
    }
    return result!;
  }

  /** A statement of a chain; one whose own redirections the grammar hung on a whole list is not read. */
  private link(node: Syntax): Stmt {
    if (node.type === 'negated_command') giveUp(); // `!` only starts a pipeline
    if (node.type === 'function_definition') giveUp();
    if (node.type === 'redirected_statement' && ['list', 'pipeline'].includes(node.children[0]?.type ?? '')) giveUp();
    return this.stmt(node);
  }

  /** The command after `!`, starting at the `!`; the caller marks the pipeline negated. */
  private negatedStart(node: Syntax): Stmt {
    const [bang, inner] = node.children;
    if (bang?.type !== '!' || !inner || node.children.length !== 2) giveUp();
    if (!BLANK.test(this.source[bang.endIndex] ?? '')) giveUp(); // `![`, `!(a)`: a word for mvdan/sh
    const stmt = this.link(inner);
    if (stmt.negated || ['list', 'pipeline'].includes(inner.type)) giveUp();
    return { ...stmt, start: this.byte(this.start(node)) };
  }

  private command(node: Syntax): Command {
    switch (node.type) {
      case 'command':
        return this.call(node);
      case 'declaration_command':
        return this.declaration(node);
      case 'unset_command': {
        const [keyword, ...rest] = node.children;
        if (keyword?.type !== 'unset') giveUp();
        const start = this.start(node);
        const name: Word = { start: this.byte(start), end: this.endByte(keyword.endIndex), parts: [{ type: 'Lit', value: 'unset' }] };
        return { type: 'CallExpr', line: this.line(start), assigns: [], args: [name, ...this.words(rest)] };
      }
      case 'test_command':
        return this.test(node);
      case 'subshell':
      case 'compound_statement': {
        const children = node.children;
        const open = node.type === 'subshell' ? '(' : '{';
        const close = node.type === 'subshell' ? ')' : '}';
        if (children[0]?.type !== open || children[children.length - 1]?.type !== close) giveUp();
        if (this.source.startsWith('((', node.startIndex)) giveUp(); // an arithmetic command for mvdan/sh
        // `{` and `}` are words: `{a;`, `}#c` and `{}` are something else to the shell
        if (open === '{' && (!BLANK.test(this.source[children[0]!.endIndex] ?? '') || !this.endsWord(node.endIndex))) giveUp();
        const stmts = this.statements(children.slice(1, -1));
        if (stmts.length === 0) giveUp(); // `{ }`, `( )`: syntax errors
        return { type: node.type === 'subshell' ? 'Subshell' : 'Block', stmts };
      }
      case 'if_statement':
        return this.ifClause(node.children, 'if', 'fi');
      case 'while_statement': {
        const children = node.children;
        if (children[0]?.type !== 'while') giveUp(); // `until` is a WhileClause too, but seldom worth the risk
        this.keyword(children[0], 'while');
        const body = children[children.length - 1]!;
        if (body.type !== 'do_group') giveUp();
        return { type: 'WhileClause', cond: this.statements(children.slice(1, -1)), body: this.doGroup(body) };
      }
      case 'for_statement': {
        const children = node.children;
        if (children[0]?.type !== 'for') giveUp();
        const body = children[children.length - 1]!;
        if (body.type !== 'do_group') giveUp();
        // The loop's words are not part of the tree the analysis reads; they must still be words it could read.
        if (children[1]?.type !== 'variable_name') giveUp();
        this.keyword(children[0], 'for');
        if (this.source.slice(children[0]!.endIndex, children[1]!.startIndex).includes('\n')) giveUp(); // `for\ni`
        const rest = children.slice(2, -1);
        // `for i in a b;`, `for i;`, `for i` then a newline: words only after an `in` of its own (not `inx`)
        if (rest.some((child) => child.isNamed)) {
          this.keyword(rest[0], 'in');
          // `in` and its words on one line
          const lastWord = [...rest].reverse().find((child) => child.isNamed)!;
          if (this.source.slice(rest[0]!.endIndex, lastWord.endIndex).includes('\n')) giveUp();
        }
        for (const child of rest) {
          if (child.isNamed) this.word(child);
          else if (!['in', ';', '\n'].includes(child.type)) giveUp();
        }
        return { type: 'ForClause', body: this.doGroup(body) };
      }
      case 'case_statement':
        return this.caseClause(node);
      case 'function_definition': {
        // Read only as a statement of its own (see link(): mvdan/sh takes `f() { a; } && b` as the body of f).
        const children = node.children;
        const body = children[children.length - 1]!;
        if (body.type !== 'compound_statement' && body.type !== 'subshell') giveUp();
        const head = children.slice(0, -1).map((child) => child.type);
        if (!['word,(,)', 'function,word', 'function,word,(,)'].includes(head.join(','))) giveUp();
        if (this.source.slice(children[0]!.startIndex, children[children.length - 2]!.endIndex).includes('\n')) giveUp(); // `f(\n)`
        return { type: 'FuncDecl', body: this.plain(this.start(body), body.endIndex, this.command(body)) };
      }
      default:
        return giveUp();
    }
  }

  private doGroup(node: Syntax): Stmt[] {
    const children = node.children;
    if (children[0]?.type !== 'do' || children[children.length - 1]?.type !== 'done') giveUp();
    this.keyword(children[0], 'do');
    this.keyword(children[children.length - 1], 'done');
    const stmts = this.statements(children.slice(1, -1));
    if (stmts.length === 0) giveUp(); // `do done`: a syntax error
    return stmts;
  }

  /** `if`/`elif` … `then` … [`elif` …|`else` …] `fi`: an elif or else is an IfClause of its own, as in mvdan/sh. */
  private ifClause(children: Syntax[], opener: 'if' | 'elif', closer: string | null): IfClause {
    if (children[0]?.type !== opener) giveUp();
    this.keyword(children[0], opener);
    const then = children.findIndex((child) => child.type === 'then');
    if (then === -1) giveUp();
    this.keyword(children[then], 'then');
    let end = children.length;
    if (closer !== null) {
      this.keyword(children[children.length - 1], closer);
      end--;
    }
    const rest = children.slice(then + 1, end);
    const branch = rest.findIndex((child) => child.type === 'elif_clause' || child.type === 'else_clause');
    const body = branch === -1 ? rest : rest.slice(0, branch);
    const branches = branch === -1 ? [] : rest.slice(branch);
    let otherwise: IfClause | null = null;
    for (let i = branches.length - 1; i >= 0; i--) {
      const clause = branches[i]!;
      if (clause.type === 'else_clause') {
        if (i !== branches.length - 1) giveUp();
        const parts = clause.children;
        this.keyword(parts[0], 'else');
        otherwise = { type: 'IfClause', cond: [], then: this.nonEmpty(this.statements(parts.slice(1))), else: null };
      } else if (clause.type === 'elif_clause') {
        otherwise = { ...this.ifClause(clause.children, 'elif', null), else: otherwise };
      } else {
        giveUp();
      }
    }
    return { type: 'IfClause', cond: this.nonEmpty(this.statements(children.slice(1, then))), then: this.nonEmpty(this.statements(body)), else: otherwise };
  }

  private caseClause(node: Syntax): Command {
    const children = node.children;
    if (children[0]?.type !== 'case' || children[children.length - 1]?.type !== 'esac') giveUp();
    this.keyword(children[0], 'case');
    this.keyword(children[children.length - 1], 'esac');
    // `case WORD in`, on one line, `in` a word of its own
    const value = children[1];
    if (!value?.isNamed || this.source.slice(children[0]!.endIndex, value.startIndex).includes('\n')) giveUp();
    this.keyword(children[2], 'in');
    const items: Stmt[][] = [];
    for (const child of children.slice(3, -1)) {
      if (child.type === 'case_item') items.push(this.caseItem(child));
      else if (child.type !== '\n') giveUp();
    }
    this.word(value);
    // The last item may leave out `;;`, but then `esac` must start a line (or follow a `;`): else it is a word.
    const last = children[children.length - 2]!;
    if (last.type === 'case_item') {
      const tail = last.children[last.children.length - 1]!;
      const before = this.source.slice(last.endIndex, children[children.length - 1]!.startIndex);
      if (tail.type !== ';;' && tail.type !== ';' && !before.includes('\n') && tail.type !== ')') giveUp();
    }
    return { type: 'CaseClause', items };
  }

  private caseItem(node: Syntax): Stmt[] {
    const children = node.children;
    const close = children.findIndex((child) => child.type === ')');
    if (close === -1) giveUp();
    if (this.source.slice(node.startIndex, children[close]!.startIndex).includes('\n')) giveUp(); // `x\n)`
    // Patterns are not part of the tree the analysis reads; they must still be words it could read.
    for (const child of children.slice(0, close)) {
      if (child.isNamed) this.word(child);
      else if (child.type !== '|' && child.type !== '(') giveUp();
    }
    let end = children.length;
    const last = children[end - 1]!;
    if (last.type === ';;')
      end--; // the last item's `;;` is not marked as its termination
    else if (!last.isNamed && last.type !== ')') giveUp(); // `;&`, `;;&`
    return this.statements(children.slice(close + 1, end));
  }

  /** `[ … ]` is a command named `[` for mvdan/sh; `[[ … ]]` a clause the analysis does not enter. */
  private test(node: Syntax): Command {
    const children = node.children;
    const open = children[0]!;
    const start = this.start(node);
    if (open.type === '[[') return { type: 'Other', goType: 'TestClause' };
    if (open.type !== '[' || children[children.length - 1]?.type !== ']') giveUp();
    if (this.source.slice(node.startIndex, node.endIndex).includes('\n') || !this.endsWord(node.endIndex)) giveUp();
    // The grammar reads the inside as expressions; mvdan/sh as words. Words are the blank-separated runs of it.
    const words: Word[] = [{ start: this.byte(start), end: this.endByte(start + 1), parts: [{ type: 'Lit', value: '[' }] }];
    const close = children[children.length - 1]!;
    const leaves: Syntax[] = [];
    const collect = (item: Syntax): void => {
      if (STRUCTURED.has(item.type) || item.children.length === 0) leaves.push(item);
      else if (['unary_expression', 'binary_expression', 'parenthesized_expression', 'concatenation', 'word', 'test_operator', 'number'].includes(item.type))
        item.children.forEach(collect);
      else giveUp();
    };
    children.slice(1, -1).forEach(collect);
    let run: { start: number; end: number; nodes: Syntax[] } | null = null;
    const flush = (): void => {
      if (run) words.push(this.region(run.start, run.end, run.nodes));
      run = null;
    };
    for (const leaf of leaves) {
      const leafStart = this.start(leaf);
      if (run && leafStart === run.end) {
        run.end = leaf.endIndex;
        run.nodes.push(leaf);
      } else {
        flush();
        run = { start: leafStart, end: leaf.endIndex, nodes: [leaf] };
      }
    }
    flush();
    const closeStart = this.start(close);
    words.push({ start: this.byte(closeStart), end: this.endByte(close.endIndex), parts: [{ type: 'Lit', value: ']' }] });
    for (let i = 1; i < words.length; i++) if (words[i]!.start <= words[i - 1]!.end) giveUp();
    return { type: 'CallExpr', line: this.line(start), assigns: [], args: words };
  }

  private call(node: Syntax): Command {
    const assigns: Assign[] = [];
    const args: Word[] = [];
    let first: number | null = null;
    const rest: Syntax[] = [];
    let last: number | null = null; // where the last assignment or the name ended
    for (const child of node.children) {
      if (child.type === 'file_redirect' || child.type === 'heredoc_redirect' || child.type === 'herestring_redirect') {
        giveUp(); // redirections before the name, here-strings: mvdan/sh orders these its own way
      } else if (child.type === 'variable_assignment' && args.length === 0) {
        if (last !== null && this.start(child) === last) giveUp(); // one word the grammar split
        first ??= this.start(child);
        assigns.push(this.assign(child));
        last = child.endIndex;
      } else if (child.type === 'command_name') {
        if (args.length || child.children.length !== 1 || (last !== null && this.start(child) === last)) giveUp();
        last = child.endIndex;
        first ??= this.start(child);
        const name = this.word(child.children[0]!);
        const literal = name.parts.length === 1 && name.parts[0]!.type === 'Lit' ? name.parts[0]!.value : null;
        if (literal !== null && (CLAUSE_NAMES.has(literal) || RESERVED.has(literal))) giveUp();
        args.push(name);
      } else if (args.length) {
        if (rest.length === 0 && this.start(child) === last) giveUp(); // the name, split by the grammar
        rest.push(child); // `a-$b/c-$d` on a long line can come split into two: words() joins them
      } else {
        giveUp();
      }
    }
    args.push(...this.words(rest));
    if (first === null || args.length === 0) giveUp();
    return { type: 'CallExpr', line: this.line(first), assigns, args };
  }

  private declaration(node: Syntax): Command {
    const [keyword, ...rest] = node.children;
    if (!keyword || !['export', 'declare', 'local', 'readonly', 'typeset'].includes(keyword.type)) giveUp();
    let last = keyword.endIndex;
    const args: Assign[] = rest.map((child) => {
      if (this.start(child) === last) giveUp(); // one word the grammar split
      last = child.endIndex;
      if (child.type === 'variable_assignment') return this.assign(child);
      if (child.type === 'variable_name') return NAME.test(this.text(child)) ? { name: this.text(child), value: null } : giveUp();
      // Flags (`declare -x`); anything else (`export $NAME`) mvdan/sh accepts or rejects by rules not mirrored here.
      if (child.type !== 'word' || !/^-[a-zA-Z]+$/.test(this.text(child))) giveUp();
      return { name: null, value: this.word(child) };
    });
    return { type: 'DeclClause', line: this.line(this.start(node)), variant: keyword.type, args };
  }

  private assign(node: Syntax): Assign {
    const children = node.children;
    const [name, op, value] = children;
    if (name?.type !== 'variable_name' || (op?.type !== '=' && op?.type !== '+=') || children.length > 3) giveUp();
    if (!NAME.test(this.text(name))) giveUp(); // `2b=x`, `é=1`: not assignments to mvdan/sh
    if (!value) {
      if (op.type === '+=') giveUp(); // mvdan/sh ends `a+=` one byte early; not worth mirroring
      return { name: this.text(name), value: null };
    }
    if (value.type === 'array' || this.start(value) !== op.endIndex) giveUp();
    return { name: this.text(name), value: this.word(value) };
  }

  /** Words from nodes in source order; nodes with no blank between them are one word the grammar split. */
  private words(nodes: Syntax[]): Word[] {
    const words: Word[] = [];
    let run: Syntax[] = [];
    for (const node of nodes) {
      if (run.length && this.start(node) !== run[run.length - 1]!.endIndex) {
        words.push(this.word(...run));
        run = [];
      }
      run.push(node);
    }
    if (run.length) words.push(this.word(...run));
    return words;
  }

  /** One shell word: its structured parts (quotes, expansions) from the grammar, its literal text from the source. */
  private word(...nodes: Syntax[]): Word {
    const start = this.start(nodes[0]!);
    const end = nodes[nodes.length - 1]!.endIndex;
    if (start === end) giveUp();
    const inner: Syntax[] = [];
    const collect = (item: Syntax): void => {
      if (STRUCTURED.has(item.type)) inner.push(item);
      else if (item.type === 'translated_string' || item.type === 'heredoc_redirect' || item.type === 'herestring_redirect' || item.type === 'array') giveUp();
      else for (const child of item.children) collect(child);
    };
    nodes.forEach(collect);
    return this.region(start, end, inner);
  }

  /** The word spanning [start, end), whose structured parts are `inner` (in order, inside the span). */
  private region(start: number, end: number, inner: Syntax[]): Word {
    const parts: WordPart[] = [];
    let at = start;
    for (const node of inner) {
      if (!STRUCTURED.has(node.type)) continue;
      const from = this.start(node);
      if (from < at || node.endIndex > end) giveUp();
      this.literal(parts, at, from, false);
      parts.push(this.part(node, from));
      at = node.endIndex;
      // `$(date)#x`: one word for the shell, but mvdan/sh starts a comment at the `#`, and where that breaks the
      // script (`{ a $(b)#; }`), no reading can be mended from its tree (mid-word-hash.ts): left to mvdan/sh.
      if (this.source[at] === '#' && at < end && CLOSED_BY_PAREN.has(node.type)) giveUp();
    }
    this.literal(parts, at, end, false);
    if (parts.length === 0) giveUp();
    return { start: this.byte(start), end: this.endByte(end), parts };
  }

  /** Unquoted (or double-quoted) text as a Lit part; text the grammar should have read as something else gives up. */
  private literal(parts: WordPart[], from: number, to: number, quoted: boolean): void {
    let text = from;
    let split = false;
    const flushText = (to: number): void => {
      const value = this.source.slice(text, to).replace(/\\\n/g, '');
      if (value !== '') parts.push({ type: 'Lit', value }); // a line continuation alone is no text, for mvdan/sh too
    };
    for (let i = from; i < to; i++) {
      const char = this.source[i]!;
      if (char === '\\') {
        i++;
        continue;
      }
      if (char === '$') {
        // A plain `$name` the grammar left in a word's text (it does, on long lines)
        const name = PARAMETER_AT_START.exec(this.source.slice(i, to));
        if (!name) giveUp();
        flushText(i);
        parts.push({ type: 'ParamExp', param: name[1]!, transformed: false, exp: null });
        i += name[0].length - 1;
        text = i + 1;
        split = false;
        continue;
      }
      if (char === '[' && !quoted && !split && this.inExpansion === 0) {
        // mvdan/sh ends an unquoted literal at its first `[` (unless it starts it) and goes on with a second one
        split = true;
        if (i > text) {
          flushText(i);
          text = i;
        }
      }
      if (char === '`' || (!quoted && (char === '"' || char === "'" || BLANK.test(char) || ';&|<>()'.includes(char)))) giveUp();
    }
    flushText(to);
  }

  private part(node: Syntax, from: number): WordPart {
    const text = this.source.slice(from, node.endIndex);
    switch (node.type) {
      case 'raw_string':
        if (!text.startsWith("'") || !text.endsWith("'") || text.length < 2) giveUp();
        return { type: 'SglQuoted', dollar: false, value: text.slice(1, -1) };
      case 'ansi_c_string':
        if (!text.startsWith("$'") || !text.endsWith("'") || text.length < 3) giveUp();
        return { type: 'SglQuoted', dollar: true, value: text.slice(2, -1) };
      case 'string':
        return this.doubleQuoted(node, from);
      case 'simple_expansion': {
        const param = text.slice(1);
        if (!text.startsWith('$') || !PARAMETER_ONLY.test(param)) giveUp();
        return { type: 'ParamExp', param, transformed: false, exp: null };
      }
      case 'expansion':
        return this.expansion(node, from);
      case 'command_substitution': {
        if (!text.startsWith('$(') && !text.startsWith('`')) giveUp();
        // The analysis does not enter it, but a syntax error inside (`$( then f)`) must still give up.
        const inner = node.children;
        if (inner.length < 2 || !['$(', '`'].includes(inner[0]!.type) || !['`', ')'].includes(inner[inner.length - 1]!.type)) giveUp();
        this.statements(inner.slice(1, -1));
        if (text.startsWith('`') && (text.length < 2 || /[^\\]`/.test(text.slice(1, -1)))) giveUp(); // `a``b`: two for mvdan/sh
        if (text.startsWith('$((')) giveUp(); // arithmetic or a subshell: mvdan/sh decides differently
        return { type: 'Other', goType: 'CmdSubst' };
      }
      case 'arithmetic_expansion':
        if (!text.startsWith('$((') && !text.startsWith('$[')) giveUp();
        return { type: 'Other', goType: 'ArithmExp' };
      case 'process_substitution':
        return { type: 'Other', goType: 'ProcSubst' };
      default:
        return giveUp();
    }
  }

  private doubleQuoted(node: Syntax, from: number): WordPart {
    const end = node.endIndex;
    if (this.source[from] !== '"' || this.source[end - 1] !== '"' || end - from < 2) giveUp();
    // mvdan/sh splits quoted text at a continuation into two literals: not mirrored
    if (this.removed.some((at) => at > from && at < end)) giveUp();
    const parts: WordPart[] = [];
    let at = from + 1;
    for (const child of node.children) {
      if (!child.isNamed) continue; // the quotes, and stray `$` tokens the source check below catches
      if (child.type === 'string_content') continue;
      if (!STRUCTURED.has(child.type) || child.type === 'string' || child.type === 'raw_string' || child.type === 'ansi_c_string') giveUp();
      const childStart = this.start(child);
      if (childStart < at) giveUp();
      this.literal(parts, at, childStart, true);
      parts.push(this.part(child, childStart));
      at = child.endIndex;
    }
    if (at > end - 1) giveUp();
    this.literal(parts, at, end - 1, true);
    return { type: 'DblQuoted', parts };
  }

  /** The word after a `${…}` operator, where mvdan/sh does not split literals at `[`. */
  private expansionWord(start: number, end: number, inner: Syntax[]): Word {
    this.inExpansion++;
    try {
      return this.region(start, end, inner);
    } finally {
      this.inExpansion--;
    }
  }

  /** `${…}`: the plain and defaulting forms are read; other operators are noted, as syntax-tree.ts notes them. */
  private expansion(node: Syntax, from: number): WordPart {
    const end = node.endIndex;
    if (!this.source.startsWith('${', from) || this.source[end - 1] !== '}') giveUp();
    const body = this.source.slice(from + 2, end - 1);
    const inner = node.children.filter((child) => STRUCTURED.has(child.type));
    if (body.startsWith('#') || body.startsWith('!')) {
      const name = body.slice(1);
      if (!NAME.test(name)) giveUp();
      return { type: 'ParamExp', param: name, transformed: true, exp: null };
    }
    const match = PARAMETER_PREFIX.exec(body);
    if (!match) giveUp();
    const param = match[1]!;
    const rest = body.slice(param.length);
    if (rest === '') {
      if (inner.length) giveUp();
      return { type: 'ParamExp', param, transformed: false, exp: null };
    }
    const defaulting = /^(:-|:\+|:=|:\?|-|\+|=|\?)/.exec(rest);
    if (defaulting) {
      const op = defaulting[1]!;
      const wordStart = from + 2 + param.length + op.length;
      const named = op === ':-' || op === '-' || op === ':+' || op === '+' ? op : 'other';
      if (wordStart === end - 1) return { type: 'ParamExp', param, transformed: false, exp: { op: named, word: null } };
      return { type: 'ParamExp', param, transformed: false, exp: { op: named, word: this.expansionWord(wordStart, end - 1, inner) } };
    }
    const removal = /^(%%|%|##|#)/.exec(rest);
    if (removal) {
      const wordStart = from + 2 + param.length + removal[1]!.length;
      if (wordStart === end - 1) giveUp();
      return { type: 'ParamExp', param, transformed: false, exp: { op: 'other', word: this.expansionWord(wordStart, end - 1, inner) } };
    }
    // Replacements with plain text (`${a/=/@x=}`), plain indexes and numeric slices; nothing quoted or expanded.
    const replacement = rest.startsWith('/') && /^[^$`'"\\{}\s]*$/.test(rest);
    const index = /^\[[A-Za-z0-9_*@]+\]$/.test(rest);
    const slice = /^: ?-?[0-9]+(:-?[0-9]+)?$/.test(rest);
    if (replacement || index || slice) {
      if (inner.length) giveUp();
      return { type: 'ParamExp', param, transformed: true, exp: null };
    }
    return giveUp(); // case and `@` operators: left to mvdan/sh
  }
}
