/**
 * The shell syntax tree read straight from mvdan-sh's Go values (src/shell/mvdan/read.ts) must say exactly what
 * the library's public wrappers say. The reference reader below uses only the wrappers (slow, but the documented
 * way); both read the same parse of scripts covering every node kind the analysis looks at.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { analyzeShell } from '../src/shell/analyze.js';
import { learnOperatorCodes, readShellFile } from '../src/shell/mvdan/read.js';
import type { BinaryOperator, Command, ExpansionOperator, IfClause, ShellFile, Stmt, Word, WordPart } from '../src/shell/tree.js';
import { shell } from './helpers/shell.js';
import { fixtureAndCorpusRunScripts } from './helpers/run-scripts.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Wrapped = any;
const sh = createRequire(import.meta.url)('mvdan-sh') as {
  syntax: { NewParser(): { Parse(src: string, name: string): Wrapped }; NodeType(node: Wrapped): string };
};
const parser = sh.syntax.NewParser();

// The reference learns mvdan/sh's operator numbers through the wrappers too.
const binaryNames = new Map<number, BinaryOperator>((['&&', '||', '|', '|&'] as const).map((op) => [parser.Parse(`a ${op} b`, 'ops').Stmts[0].Cmd.Op, op]));
const expansionNames = new Map<number, ExpansionOperator>(
  (['-', ':-', '+', ':+'] as const).map((op) => [parser.Parse(`e \${a${op}b}`, 'ops').Stmts[0].Cmd.Args[1].Parts[0].Exp.Op, op]),
);
const codes = learnOperatorCodes((script) => parser.Parse(script, 'ops'));

const list = <T>(items: Wrapped, read: (item: Wrapped) => T): T[] => (items ?? []).map(read);
const spanOf = (node: Wrapped) => ({ start: node.Pos().Offset(), end: node.End().Offset() });

function wrapperStmt(stmt: Wrapped): Stmt {
  return {
    ...spanOf(stmt),
    cmd: wrapperCommand(stmt.Cmd),
    negated: Boolean(stmt.Negated),
    redirs: list(stmt.Redirs, (r) => ({ ...spanOf(r), word: wrapperWord(r.Word) })),
  };
}

function wrapperIf(clause: Wrapped): IfClause {
  return { type: 'IfClause', cond: list(clause.Cond, wrapperStmt), then: list(clause.Then, wrapperStmt), else: clause.Else ? wrapperIf(clause.Else) : null };
}

function wrapperCommand(cmd: Wrapped): Command | null {
  if (!cmd) return null;
  const type = sh.syntax.NodeType(cmd);
  const assign = (a: Wrapped) => ({ name: a.Name ? a.Name.Value : null, value: wrapperWord(a.Value) });
  switch (type) {
    case 'CallExpr':
      return { type, line: cmd.Pos().Line(), assigns: list(cmd.Assigns, assign), args: list(cmd.Args, wrapperWord) as Word[] };
    case 'DeclClause':
      return { type, line: cmd.Pos().Line(), variant: cmd.Variant ? cmd.Variant.Value : '', args: list(cmd.Args, assign) };
    case 'BinaryCmd':
      return { type, op: binaryNames.get(cmd.Op) ?? 'other', x: wrapperStmt(cmd.X), y: wrapperStmt(cmd.Y) };
    case 'Block':
    case 'Subshell':
      return { type, stmts: list(cmd.Stmts, wrapperStmt) };
    case 'IfClause':
      return wrapperIf(cmd);
    case 'WhileClause':
      return { type, cond: list(cmd.Cond, wrapperStmt), body: list(cmd.Do, wrapperStmt) };
    case 'ForClause':
      return { type, body: list(cmd.Do, wrapperStmt) };
    case 'CaseClause':
      return { type, items: list(cmd.Items, (item) => list(item.Stmts, wrapperStmt)) };
    case 'FuncDecl':
      return { type, body: cmd.Body ? wrapperStmt(cmd.Body) : null };
    case 'TimeClause':
      return { type, stmt: cmd.Stmt ? wrapperStmt(cmd.Stmt) : null };
    default:
      return { type: 'Other', goType: type };
  }
}

function wrapperWord(word: Wrapped): Word | null {
  return word ? { ...spanOf(word), parts: list(word.Parts, wrapperPart) } : null;
}

function wrapperPart(part: Wrapped): WordPart {
  const type = sh.syntax.NodeType(part);
  switch (type) {
    case 'Lit':
      return { type, value: part.Value };
    case 'SglQuoted':
      return { type, dollar: Boolean(part.Dollar), value: part.Value };
    case 'DblQuoted':
      return { type, parts: list(part.Parts, wrapperPart) };
    case 'ParamExp':
      return {
        type,
        param: part.Param ? part.Param.Value : '',
        transformed: Boolean(part.Length || part.Width || part.Excl || part.Names || part.Slice || part.Repl || part.Index),
        exp: part.Exp ? { op: expansionNames.get(part.Exp.Op) ?? 'other', word: wrapperWord(part.Exp.Word) } : null,
      };
    default:
      return { type: 'Other', goType: type };
  }
}

function bothReadings(script: string): { direct: ShellFile; wrappers: ShellFile } {
  const parsed = parser.Parse(script, 'RUN');
  return { direct: readShellFile(parsed, codes), wrappers: { stmts: list(parsed.Stmts, wrapperStmt) } };
}

const SCRIPTS = [
  'FOO=1 BAR= apt-get install -y "a$B" c ${X:-y} ${X-y} ${X:+y} ${X+y} && echo done > /x || true',
  'if a; then b; elif c; then d; else e; fi',
  'while read l; do echo "$l"; done < f; until x; do y; done',
  'for i in 1 2; do echo $i; done; for ((i=0;i<3;i++)); do :; done',
  'case "$1" in a|b) x ;; *) y ;; esac',
  'f() { echo in; }; function g { h; }',
  '! a | b |& c; time d; (cd /x && e) ; { f; g; }',
  'export A=1 B; local C; declare -a D=(1 2); readonly E=x; typeset F',
  'echo $\'tab\\t\' $"loc" \'${notnix}\' "${#A} ${A:1:2} ${A/x/y} ${A[0]} ${!A} ${!P*} ${A^^}"',
  'echo $(date) `uname` $((1+2)) <(ls) [[ -f x ]] && let x=1',
  'cat <<EOF > /etc/conf\nline ${HOME}\nEOF\necho after',
  'echo "héllo wörld ☃" && apt-get install -y curl 2>&1 >>/var/log/ünï',
  'a=1 \\\n  b=2 \\\n  run --flag=\\"x\\" \\\n  && finish',
  'coproc x; echo & x &>/dev/null; y >| z; w 3<>f',
];

describe('reading mvdan-sh syntax trees directly', () => {
  it.each(SCRIPTS)('agrees with the public wrappers: %s', (script) => {
    const { direct, wrappers } = bothReadings(script);
    expect(direct).toEqual(wrappers);
  });

  it('agrees with the public wrappers on every RUN script of the fixtures and the corpus', (context) => {
    const { scripts, corpus } = fixtureAndCorpusRunScripts();
    let compared = 0;
    for (const { where, source, heredoc } of scripts) {
      if (heredoc) continue;
      let readings;
      try {
        readings = bothReadings(source);
      } catch {
        continue; // a script the shell parser rejects has no tree
      }
      expect(readings.direct, where).toEqual(readings.wrappers);
      compared++;
    }
    expect(compared).toBeGreaterThan(corpus ? 150 : 10);
    context.annotate?.(`${compared} scripts compared`);
  });

  it('cuts command source by bytes, so text after a non-ASCII character is not shifted', () => {
    const result = analyzeShell(shell, 'echo "héllo ☃" && apt-get install -y curl > /tmp/ünï', {}, '/');
    expect(result.ok && result.commands.map((c) => [c.source, c.words.map((w) => w.text), c.writes])).toEqual([
      ['echo "héllo ☃"', ['echo', 'héllo ☃'], []],
      ['apt-get install -y curl > /tmp/ünï', ['apt-get', 'install', '-y', 'curl'], ['/tmp/ünï']],
    ]);
  });
});
