/**
 * Shell analysis of RUN instructions with a real shell parser (mvdan/sh). A script becomes the ordered list of
 * simple commands it would run, each with its words resolved where they are known (quotes, escapes and
 * variables from ARG/ENV/assignments), the directory it runs in, and whether it runs only conditionally.
 */
import type { ShNode } from 'mvdan-sh';
import { loadMvdanSh } from './load-parser.js';
import { resolvePath } from '../container-path.js';

type Sh = typeof import('mvdan-sh').default;
let shCache: Sh | null = null;
function sh(): Sh {
  shCache ??= loadMvdanSh<Sh>();
  return shCache;
}

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
  /** Working directory when known (after `cd`), relative to the instruction's WORKDIR otherwise. */
  cwd: string;
  /** Source text of the command. */
  source: string;
  /** Files the command writes through redirections (`> file`, `>> file`), /dev/null and descriptors excluded. */
  writes: Array<string | null>;
}

export type ShellAnalysis =
  | { ok: true; commands: ShellCommand[]; exports: Record<string, string | null> }
  | { ok: false; error: string; line: number };

let parserCache: ReturnType<Sh['syntax']['NewParser']> | null = null;
/** One parser for the whole run: creating one per script costs more than parsing most scripts. */
function parser() {
  parserCache ??= sh().syntax.NewParser();
  return parserCache;
}

/**
 * The node's Go type name (`CallExpr`, `Lit`...). The wrappers carry it as a plain `$type` string
 * (`mvdan.cc/sh/v3/syntax.*Lit`), which costs nothing to read, unlike a call into syntax.NodeType.
 */
function nodeType(node: ShNode): string {
  const type: unknown = node?.$type;
  if (typeof type === 'string') {
    const star = type.lastIndexOf('*');
    if (star !== -1) return type.slice(star + 1);
  }
  return sh().syntax.NodeType(node);
}

interface Ops {
  or: number;
  defaultUnsetOrNull: number;
  defaultUnset: number;
  alternateUnsetOrNull: number;
  alternateUnset: number;
}
let opsCache: Ops | null = null;
/** Operator codes differ between builds of mvdan/sh, so read them off tiny parses. */
function ops(): Ops {
  if (opsCache) return opsCache;
  const parser = sh().syntax.NewParser();
  const bin = (src: string) => parser.Parse(src, 'ops').Stmts[0].Cmd.Op as number;
  const exp = (src: string) => parser.Parse(src, 'ops').Stmts[0].Cmd.Args[1].Parts[0].Exp.Op as number;
  opsCache = {
    or: bin('a || b'),
    defaultUnsetOrNull: exp('e ${a:-b}'),
    defaultUnset: exp('e ${a-b}'),
    alternateUnsetOrNull: exp('e ${a:+b}'),
    alternateUnset: exp('e ${a+b}'),
  };
  return opsCache;
}

export function analyzeShell(script: string, env: Record<string, string>, workdir: string): ShellAnalysis {
  let file: ShNode;
  try {
    file = parser().Parse(script, 'RUN');
  } catch (error) {
    // mvdan/sh throws a Go error value: its text comes from Error().
    const goError = error as { Error?: () => string; message?: string };
    const message = typeof goError?.Error === 'function' ? goError.Error() : String(goError?.message ?? error);
    const match = /^RUN:(\d+):(\d+): (.*)$/.exec(message);
    return { ok: false, error: match ? match[3]! : message, line: match ? Number(match[1]) : 1 };
  }
  const state: WalkState = {
    vars: new Map(Object.entries(env)),
    exports: {},
    cwd: workdir,
    commands: [],
    script,
  };
  walkStmts(file.Stmts, state, false);
  return { ok: true, commands: state.commands, exports: state.exports };
}

interface WalkState {
  vars: Map<string, string | null>;
  exports: Record<string, string | null>;
  cwd: string;
  commands: ShellCommand[];
  script: string;
}

function walkStmts(stmts: ShNode[] | null | undefined, state: WalkState, conditional: boolean): void {
  for (const stmt of stmts ?? []) walkCmd(stmt.Cmd, state, conditional || Boolean(stmt.Negated), stmt);
}

function nodeSource(node: ShNode, script: string): string {
  try {
    return script.slice(node.Pos().Offset(), node.End().Offset());
  } catch {
    return '';
  }
}

function walkCmd(cmd: ShNode, state: WalkState, conditional: boolean, stmt: ShNode): void {
  if (!cmd) return;
  const type = nodeType(cmd);
  switch (type) {
    case 'CallExpr': {
      const assigns: Record<string, string | null> = {};
      for (const assign of cmd.Assigns ?? []) {
        assigns[assign.Name.Value] = assign.Value ? resolveWord(assign.Value, state.vars, state.script).text : '';
      }
      const words = (cmd.Args ?? []).flatMap((word: ShNode) => splitFields(resolveWordFields(word, state.vars, state.script)));
      if (words.length === 0) {
        // Plain assignments: `A=b` sets a shell variable for what follows.
        for (const [name, value] of Object.entries(assigns)) state.vars.set(name, value);
        return;
      }
      const command: ShellCommand = {
        words,
        assigns,
        line: cmd.Pos().Line(),
        conditional,
        cwd: state.cwd,
        source: nodeSource(stmt, state.script),
        writes: redirectTargets(stmt, state),
      };
      state.commands.push(command);
      if (words[0]!.text === 'cd' && !conditional) {
        const target = words[1]?.text;
        state.cwd = target ? resolvePath(state.cwd, target) : '/root';
      }
      if (words[0]!.text === 'export' || words[0]!.text === 'set') return;
      return;
    }
    case 'DeclClause': {
      const variant = cmd.Variant?.Value as string;
      for (const arg of cmd.Args ?? []) {
        if (!arg.Name) continue;
        const value = arg.Value ? resolveWord(arg.Value, state.vars, state.script).text : (state.vars.get(arg.Name.Value) ?? null);
        state.vars.set(arg.Name.Value, value);
        if (variant === 'export') state.exports[arg.Name.Value] = value;
      }
      state.commands.push({
        words: [{ text: variant, raw: variant }],
        assigns: {},
        line: cmd.Pos().Line(),
        conditional,
        cwd: state.cwd,
        source: nodeSource(stmt, state.script),
        writes: [],
      });
      return;
    }
    case 'BinaryCmd': {
      // `a || b` runs b only when a fails; `a && b` and pipelines run both when all goes well.
      walkStmts([cmd.X], state, conditional);
      walkStmts([cmd.Y], state, conditional || cmd.Op === ops().or);
      return;
    }
    case 'Block':
      walkStmts(cmd.Stmts, state, conditional);
      return;
    case 'Subshell': {
      const saved = state.cwd;
      walkStmts(cmd.Stmts, state, conditional);
      state.cwd = saved;
      return;
    }
    case 'IfClause': {
      walkStmts(cmd.Cond, state, true);
      walkStmts(cmd.Then, state, true);
      if (cmd.Else) walkCmd(cmd.Else, state, true, cmd.Else);
      return;
    }
    case 'WhileClause':
      walkStmts(cmd.Cond, state, true);
      walkStmts(cmd.Do, state, true);
      return;
    case 'ForClause':
      walkStmts(cmd.Do, state, true);
      return;
    case 'CaseClause':
      for (const item of cmd.Items ?? []) walkStmts(item.Stmts, state, true);
      return;
    case 'FuncDecl':
      // A function body runs only when called; treat as conditional.
      walkCmd(cmd.Body?.Cmd, state, true, cmd.Body);
      return;
    case 'TimeClause':
      if (cmd.Stmt) walkStmts([cmd.Stmt], state, conditional);
      return;
    default:
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

function redirectTargets(stmt: ShNode, state: WalkState): Array<string | null> {
  const targets: Array<string | null> = [];
  for (const redirect of stmt?.Redirs ?? []) {
    const text = nodeSource(redirect, state.script).trim();
    // Output redirections only: >, >>, >|, &>, &>>; not <, <<, <<<, and not descriptor duplication (2>&1).
    if (!/^\d*(&?>>?|>\|)/.test(text) || /^\d*>&/.test(text)) continue;
    const target = redirect.Word ? resolveWord(redirect.Word, state.vars, state.script).text : null;
    if (target === '/dev/null' || target === '/dev/stdout' || target === '/dev/stderr') continue;
    targets.push(target === null ? null : resolvePath(state.cwd, target));
  }
  return targets;
}

/** Resolve a shell word: quotes and escapes removed, known variables substituted. */
export function resolveWord(word: ShNode, vars: ReadonlyMap<string, string | null>, script: string): ShellWord {
  return resolveWordFields(word, vars, script).word;
}

/**
 * Resolve a word and say whether it holds an unquoted expansion (which the shell splits into fields).
 * Each access to a node's fields crosses into the compiled Go code and copies, so every field is read once,
 * and the source text is cut only when a message may need it.
 */
function resolveWordFields(word: ShNode, vars: ReadonlyMap<string, string | null>, script: string): { word: ShellWord; unquotedExpansion: boolean } {
  const parts: ShNode[] = word.Parts ?? [];
  let text: string | null = '';
  let unquotedExpansion = false;
  for (const part of parts) {
    if (nodeType(part) === 'ParamExp') unquotedExpansion = true;
    const value = resolvePart(part, vars, false);
    if (value === null) {
      text = null;
      break;
    }
    text += value;
  }
  const raw = text === null || unquotedExpansion || parts.length !== 1 || nodeType(parts[0]) !== 'Lit' ? nodeSource(word, script) : text;
  return { word: { text, raw }, unquotedExpansion };
}

function resolvePart(part: ShNode, vars: ReadonlyMap<string, string | null>, inDouble: boolean): string | null {
  const type = nodeType(part);
  switch (type) {
    case 'Lit':
      return inDouble ? unescapeDouble(part.Value) : unescapeBare(part.Value);
    case 'SglQuoted':
      return part.Dollar ? null : part.Value;
    case 'DblQuoted': {
      let out = '';
      for (const inner of part.Parts ?? []) {
        const value = resolvePart(inner, vars, true);
        if (value === null) return null;
        out += value;
      }
      return out;
    }
    case 'ParamExp':
      return resolveParam(part, vars);
    default:
      // Command substitution, arithmetic, globs from process substitution: known only at build time.
      return null;
  }
}

function resolveParam(part: ShNode, vars: ReadonlyMap<string, string | null>): string | null {
  if (part.Length || part.Slice || part.Repl || part.Index || part.Excl || part.Names) return null;
  const name = part.Param?.Value as string;
  const value = vars.has(name) ? vars.get(name)! : undefined;
  if (value === null) return null;
  if (!part.Exp) return value === undefined ? null : value;
  const o = ops();
  const operand = () => {
    const word = part.Exp.Word;
    if (!word) return '';
    let out = '';
    for (const p of word.Parts ?? []) {
      const v = resolvePart(p, vars, false);
      if (v === null) return null;
      out += v;
    }
    return out;
  };
  switch (part.Exp.Op) {
    case o.defaultUnsetOrNull:
      return value === undefined || value === '' ? operand() : value;
    case o.defaultUnset:
      return value === undefined ? operand() : value;
    case o.alternateUnsetOrNull:
      return value === undefined || value === '' ? '' : operand();
    case o.alternateUnset:
      return value === undefined ? '' : operand();
    default:
      return null;
  }
}

function unescapeBare(value: string): string {
  return value.replace(/\\\n/g, '').replace(/\\(.)/gs, '$1');
}

function unescapeDouble(value: string): string {
  return value.replace(/\\\n/g, '').replace(/\\([$`"\\])/g, '$1');
}

/** Words whose text is known, or null for any dynamic word. */
export function knownWords(command: ShellCommand): Array<string | null> {
  return command.words.map((w) => w.text);
}
