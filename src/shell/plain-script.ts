/**
 * The plainest RUN scripts read without a parser: commands of bare words joined by `&&` or `||` and new lines,
 * such as `apt-get update && apt-get install -y curl \<newline> && rm -rf /var/lib/apt/lists/*` or `npm ci`.
 *
 * Why: a run whose scripts are all cached or plain loads no parser; tree-sitter's grammar takes ~30 ms to load,
 * a sixth of a one-file conversion, and 69 of the 119 distinct RUN scripts of the fixtures and corpus are this plain. What this gives is exactly
 * mvdan/sh's tree, spans and line numbers included (test/shell-plain.test.ts holds it to mvdan/sh on the corpus
 * and on generated scripts); anything beyond the shape below returns null and a parser reads the script:
 *  - words of ASCII letters, digits and `_ . / : = @ + , % ^ ~ * ? -` (no quotes, expansions, brackets, braces,
 *    redirections, comments), so each word is one literal and offsets are bytes;
 *  - blanks, and line continuations (backslash, newline) after a blank, between words;
 *  - `&&` and `||` between commands (a new line may follow them), and new lines between statements;
 *  - no assignments (`A=1 cmd`) and no reserved or declaring words (`if`, `export`, `time` ...) first in a command.
 */
import type { Command, ShellFile, Stmt, Word } from './syntax-tree.js';

const WORD_CHAR = /[A-Za-z0-9_./:=@+,%^~*?-]/;
/** Words that make something other than a plain command when they come first in mvdan/sh's reading. */
const NOT_A_COMMAND = new Set([
  'if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'case', 'esac', 'while', 'until', 'for', 'in', 'select',
  'function', 'time', 'coproc', 'export', 'declare', 'local', 'readonly', 'typeset', 'nameref', 'let',
]);

type Token = { kind: 'word'; start: number; end: number; line: number } | { kind: '&&' | '||' | 'newline' };

/** The script's tree as mvdan/sh gives it, or null when the script is not one of the plain shape. */
export function readPlainScript(script: string): ShellFile | null {
  const tokens = tokenize(script);
  if (!tokens) return null;
  const stmts: Stmt[] = [];
  let at = 0;
  const skipNewlines = () => {
    while (tokens[at]?.kind === 'newline') at++;
  };
  skipNewlines();
  while (at < tokens.length) {
    let stmt = command();
    if (!stmt) return null;
    for (let op = tokens[at]; op && (op.kind === '&&' || op.kind === '||'); op = tokens[at]) {
      at++;
      skipNewlines();
      const right = command();
      if (!right) return null;
      // mvdan/sh nests to the left: `a && b || c` is (a && b) || c.
      stmt = { start: stmt.start, end: right.end, cmd: { type: 'BinaryCmd', op: op.kind, x: stmt, y: right }, negated: false, redirs: [] };
    }
    stmts.push(stmt);
    if (at < tokens.length && tokens[at]!.kind !== 'newline') return null;
    skipNewlines();
  }
  return stmts.length > 0 ? { stmts } : null;

  function command(): Stmt | null {
    const args: Word[] = [];
    let line = 0;
    for (let token = tokens![at]; token?.kind === 'word'; token = tokens![at]) {
      const text = script.slice(token.start, token.end);
      if (args.length === 0) {
        if (text.includes('=') || NOT_A_COMMAND.has(text)) return null;
        line = token.line;
      }
      args.push({ start: token.start, end: token.end, parts: [{ type: 'Lit', value: text }] });
      at++;
    }
    if (args.length === 0) return null;
    const cmd: Command = { type: 'CallExpr', line, assigns: [], args };
    return { start: args[0]!.start, end: args.at(-1)!.end, cmd, negated: false, redirs: [] };
  }
}

/** Words, operators and new lines, or null at the first character outside the plain shape. */
function tokenize(script: string): Token[] | null {
  const tokens: Token[] = [];
  let line = 1;
  let at = 0;
  while (at < script.length) {
    const char = script[at]!;
    if (char === ' ' || char === '\t') {
      at++;
    } else if (char === '\n') {
      tokens.push({ kind: 'newline' });
      line++;
      at++;
    } else if (char === '\\') {
      // A continuation, only after a blank: inside or right after a word mvdan/sh's spans follow rules of their own.
      const before = script[at - 1];
      if (script[at + 1] !== '\n' || (before !== ' ' && before !== '\t')) return null;
      line++;
      at += 2;
    } else if ((char === '&' || char === '|') && script[at + 1] === char) {
      if (script[at + 2] === '&' || script[at + 2] === '|') return null;
      tokens.push({ kind: char === '&' ? '&&' : '||' });
      at += 2;
    } else if (WORD_CHAR.test(char)) {
      const start = at;
      while (at < script.length && WORD_CHAR.test(script[at]!)) at++;
      tokens.push({ kind: 'word', start, end: at, line });
    } else {
      return null;
    }
  }
  return tokens;
}
