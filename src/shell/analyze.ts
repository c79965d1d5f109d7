/**
 * Shell analysis of RUN instructions, on the syntax tree the given reader makes (reader.ts). A script becomes the
 * ordered list of simple commands it would run, each with its words resolved where they are known (quotes, escapes and
 * variables from ARG/ENV/assignments), the directory it runs in, and whether it runs only conditionally.
 */
import { resolvePath } from '../container-path.js';
import type { ShellReader } from './reader.js';
import type { Command, Span, Stmt, Word, WordPart } from './tree.js';

/** A word of a command: its text when known, null when it depends on something only known at build time. */
export interface ShellWord {
  text: string | null;
  /** The word as written. */
  raw: string;
}

export interface ShellCommand {
  /** Program and arguments. */
  words: ShellWord[];
  /** `VAR=value` prefixes of this command. */
  assigns: Record<string, string | null>;
  /** 1-based line within the script. */
  line: number;
  /** The command runs only if something else succeeds or fails (inside if/case/loops, after || ). */
  conditional: boolean;
  /** Working directory: the instruction's WORKDIR, or where `cd` went; UNKNOWN_DIRECTORY after a `cd` to a folder only known at build time. */
  cwd: string;
  /** Source text of the command. */
  source: string;
  /** Files the command writes through redirections (`> file`, `>> file`), /dev/null and descriptors excluded. */
  writes: Array<string | null>;
  /** The file standard output goes to when that is the command's one redirection, a plain `>` (truncating it). */
  stdoutFile?: string;
}

/** The folder after a `cd` whose target is only known at build time (`cd $DIR`, `cd -`, `cd app*`, `cd ~user`). */
export const UNKNOWN_DIRECTORY = '/dock2nix: a folder only known at build time';

/** Where `cd WORD` leaves the shell: `~` is root's home (as elsewhere here); what cannot be known stays unknown. */
function changedDirectory(cwd: string, word: ShellWord | undefined): string {
  if (!word) return '/root';
  const target = word.text;
  if (target === null || target === '-' || /[*?[]/.test(target)) return UNKNOWN_DIRECTORY;
  const path = target === '~' || target.startsWith('~/') ? `/root${target.slice(1)}` : target;
  if (path.startsWith('~') || (cwd === UNKNOWN_DIRECTORY && !path.startsWith('/'))) return UNKNOWN_DIRECTORY;
  return resolvePath(cwd, path);
}

export type ShellAnalysis = { ok: true; commands: ShellCommand[]; exports: Record<string, string | null> } | { ok: false; error: string; line: number };

/** The script's text by the parser's byte offsets (which differ from string indexes once a character is not ASCII). */
class ScriptText {
  private readonly bytes: Buffer | null;
  constructor(private readonly text: string) {
    this.bytes = /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8') : null;
  }
  cut(span: Span): string {
    return this.bytes ? this.bytes.subarray(span.start, span.end).toString('utf8') : this.text.slice(span.start, span.end);
  }
}

export function analyzeShell(shell: ShellReader, script: string, env: Record<string, string>, workdir: string): ShellAnalysis {
  const parsed = shell.read(script);
  if (!parsed.ok) return parsed;
  const state: WalkState = {
    vars: new Map(Object.entries(env)),
    exports: {},
    cwd: workdir,
    commands: [],
    script: new ScriptText(script),
  };
  walkStmts(parsed.file.stmts, state, false);
  return { ok: true, commands: state.commands, exports: state.exports };
}

interface WalkState {
  vars: Map<string, string | null>;
  exports: Record<string, string | null>;
  cwd: string;
  commands: ShellCommand[];
  script: ScriptText;
}

function walkStmts(stmts: readonly Stmt[], state: WalkState, conditional: boolean): void {
  for (const stmt of stmts) walkCmd(stmt.cmd, state, conditional || stmt.negated, stmt);
}

function walkCmd(cmd: Command | null, state: WalkState, conditional: boolean, stmt: Stmt | null): void {
  if (!cmd) return;
  switch (cmd.type) {
    case 'CallExpr': {
      const assigns: Record<string, string | null> = {};
      for (const assign of cmd.assigns) {
        if (assign.name === null) continue;
        assigns[assign.name] = assign.value ? resolveWord(assign.value, state).text : '';
      }
      const words = cmd.args.flatMap((word) => splitFields(resolveWordFields(word, state)));
      if (words.length === 0) {
        // Plain assignments: `A=b` sets a shell variable for what follows.
        for (const [name, value] of Object.entries(assigns)) state.vars.set(name, value);
        return;
      }
      state.commands.push({
        words,
        assigns,
        line: cmd.line,
        conditional,
        cwd: state.cwd,
        source: stmt ? state.script.cut(stmt) : '',
        writes: stmt ? redirectTargets(stmt, state) : [],
        ...(stmt ? stdoutFile(stmt, state) : {}),
      });
      if (words[0]!.text === 'cd' && !conditional) state.cwd = changedDirectory(state.cwd, words[1]);
      return;
    }
    case 'DeclClause': {
      for (const arg of cmd.args) {
        if (arg.name === null) continue;
        const value = arg.value ? resolveWord(arg.value, state).text : (state.vars.get(arg.name) ?? null);
        state.vars.set(arg.name, value);
        if (cmd.variant === 'export') state.exports[arg.name] = value;
      }
      state.commands.push({
        words: [{ text: cmd.variant, raw: cmd.variant }],
        assigns: {},
        line: cmd.line,
        conditional,
        cwd: state.cwd,
        source: stmt ? state.script.cut(stmt) : '',
        writes: [],
      });
      return;
    }
    case 'BinaryCmd': {
      // `a || b` runs b only when a fails; `a && b` and pipelines run both when all goes well. A chain
      // `a && b && c` nests to the left; it is walked down its left spine in a loop, not by recursion, so a
      // RUN of thousands of `&&` cannot overflow the stack.
      const rights: Array<{ stmt: Stmt; conditional: boolean }> = [];
      let node: Extract<Command, { type: 'BinaryCmd' }> = cmd;
      let spine = conditional;
      for (;;) {
        rights.push({ stmt: node.y, conditional: spine || node.op === '||' });
        const left = node.x;
        spine = spine || left.negated;
        if (left.cmd?.type === 'BinaryCmd') {
          node = left.cmd;
          continue;
        }
        walkCmd(left.cmd, state, spine, left);
        break;
      }
      for (let i = rights.length - 1; i >= 0; i--) walkStmts([rights[i]!.stmt], state, rights[i]!.conditional);
      return;
    }
    case 'Block':
      walkStmts(cmd.stmts, state, conditional);
      return;
    case 'Subshell': {
      const saved = state.cwd;
      walkStmts(cmd.stmts, state, conditional);
      state.cwd = saved;
      return;
    }
    case 'IfClause':
      walkStmts(cmd.cond, state, true);
      walkStmts(cmd.then, state, true);
      walkCmd(cmd.else, state, true, null);
      return;
    case 'WhileClause':
      walkStmts(cmd.cond, state, true);
      walkStmts(cmd.body, state, true);
      return;
    case 'ForClause':
      walkStmts(cmd.body, state, true);
      return;
    case 'CaseClause':
      for (const item of cmd.items) walkStmts(item, state, true);
      return;
    case 'FuncDecl':
      // A function body runs only when called; treat as conditional.
      if (cmd.body) walkCmd(cmd.body.cmd, state, true, cmd.body);
      return;
    case 'TimeClause':
      if (cmd.stmt) walkStmts([cmd.stmt], state, conditional);
      return;
    case 'Other':
      // Test clauses, arithmetic, let: no programs run.
      return;
  }
}

/** Unquoted expansions are split into fields on whitespace, as the shell does (`apk add $PKGS`). */
function splitFields(resolved: { word: ShellWord; unquotedExpansion: boolean }): ShellWord[] {
  const { word, unquotedExpansion } = resolved;
  if (word.text === null || !unquotedExpansion || !/\s/.test(word.text)) return [word];
  return word.text
    .split(/\s+/)
    .filter(Boolean)
    .map((text) => ({ text, raw: word.raw }));
}

function redirectTargets(stmt: Stmt, state: WalkState): Array<string | null> {
  const targets: Array<string | null> = [];
  for (const redirect of stmt.redirs) {
    const text = state.script.cut(redirect).trim();
    // Output redirections only: >, >>, >|, &>, &>>; not <, <<, <<<, and not descriptor duplication (2>&1).
    if (!/^\d*(&?>>?|>\|)/.test(text) || /^\d*>&/.test(text)) continue;
    const target = redirect.word ? resolveWord(redirect.word, state).text : null;
    if (target === '/dev/null' || target === '/dev/stdout' || target === '/dev/stderr') continue;
    targets.push(target === null ? null : resolvePath(state.cwd, target));
  }
  return targets;
}

/** `cmd > file` (or `1> file`, `>| file`) as the statement's only redirection: the file, known. */
function stdoutFile(stmt: Stmt, state: WalkState): { stdoutFile?: string } {
  if (stmt.redirs.length !== 1) return {};
  const redirect = stmt.redirs[0]!;
  if (!/^1?(>|>\|)(?![>&])/.test(state.script.cut(redirect).trim()) || !redirect.word) return {};
  const target = resolveWord(redirect.word, state).text;
  if (target === null || target.startsWith('/dev/')) return {};
  return { stdoutFile: resolvePath(state.cwd, target) };
}

/** Resolve a shell word: quotes and escapes removed, known variables substituted. */
function resolveWord(word: Word, state: WalkState): ShellWord {
  return resolveWordFields(word, state).word;
}

/** Resolve a word and say whether it holds an unquoted expansion (which the shell splits into fields). */
function resolveWordFields(word: Word, state: WalkState): { word: ShellWord; unquotedExpansion: boolean } {
  let text: string | null = '';
  let unquotedExpansion = false;
  for (const part of word.parts) {
    if (part.type === 'ParamExp') unquotedExpansion = true;
    const value = resolvePart(part, state, false);
    if (value === null) {
      text = null;
      break;
    }
    text += value;
  }
  const plainLiteral = text !== null && !unquotedExpansion && word.parts.length === 1 && word.parts[0]!.type === 'Lit';
  return { word: { text, raw: plainLiteral ? text! : state.script.cut(word) }, unquotedExpansion };
}

function resolvePart(part: WordPart, state: WalkState, inDouble: boolean): string | null {
  switch (part.type) {
    case 'Lit':
      return inDouble ? unescapeDouble(part.value) : unescapeBare(part.value);
    case 'SglQuoted':
      return part.dollar ? null : part.value;
    case 'DblQuoted': {
      let out = '';
      for (const inner of part.parts) {
        const value = resolvePart(inner, state, true);
        if (value === null) return null;
        out += value;
      }
      return out;
    }
    case 'ParamExp':
      return resolveParam(part, state);
    case 'Other':
      // Command substitution, arithmetic, globs from process substitution: known only at build time.
      return null;
  }
}

function resolveParam(part: Extract<WordPart, { type: 'ParamExp' }>, state: WalkState): string | null {
  if (part.transformed) return null;
  const value = state.vars.has(part.param) ? state.vars.get(part.param)! : undefined;
  if (value === null) return null;
  if (!part.exp) return value === undefined ? null : value;
  const exp = part.exp;
  const operand = (): string | null => {
    if (!exp.word) return '';
    let out = '';
    for (const p of exp.word.parts) {
      const v = resolvePart(p, state, false);
      if (v === null) return null;
      out += v;
    }
    return out;
  };
  switch (exp.op) {
    case ':-':
      return value === undefined || value === '' ? operand() : value;
    case '-':
      return value === undefined ? operand() : value;
    case ':+':
      return value === undefined || value === '' ? '' : operand();
    case '+':
      return value === undefined ? '' : operand();
    case 'other':
      return null;
  }
}

function unescapeBare(value: string): string {
  return value.replace(/\\\n/g, '').replace(/\\(.)/gs, '$1');
}

function unescapeDouble(value: string): string {
  return value.replace(/\\\n/g, '').replace(/\\([$`"\\])/g, '$1');
}
