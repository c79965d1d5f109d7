/**
 * Docker's own word processing for instruction arguments (not RUN, which goes to a shell):
 * quotes, the escape character, and `$VAR` / `${VAR}` / `${VAR:-default}` / `${VAR:+alt}` substitution,
 * as BuildKit's shell lexer does it. Unknown variables expand to the empty string, as in Docker, and are reported.
 */

export type Env = ReadonlyMap<string, string>;

export interface ExpandResult {
  text: string;
  /** Variables that were referenced but not defined. */
  unknown: string[];
}

interface LexState {
  src: string;
  pos: number;
  escape: string;
  env: Env;
  unknown: Set<string>;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** Expand one word (quotes removed, escapes applied, variables substituted). */
export function expandWord(src: string, env: Env, escape = '\\'): ExpandResult {
  const words = splitWords(src, env, escape, false);
  return { text: words.words.join(''), unknown: words.unknown };
}

/**
 * Split text into words as Docker does for instructions such as COPY, EXPOSE or VOLUME:
 * whitespace separates words unless quoted or escaped.
 */
export function splitWords(src: string, env: Env, escape = '\\', split = true): { words: string[]; unknown: string[] } {
  const state: LexState = { src, pos: 0, escape, env, unknown: new Set() };
  const words: string[] = [];
  let current = '';
  let inWord = false;
  while (state.pos < src.length) {
    const ch = src[state.pos]!;
    if (split && /\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      state.pos++;
      continue;
    }
    inWord = true;
    if (ch === escape) {
      state.pos++;
      if (state.pos < src.length) current += src[state.pos++];
      else current += ch;
    } else if (ch === "'") {
      state.pos++;
      const end = src.indexOf("'", state.pos);
      if (end === -1) {
        current += src.slice(state.pos);
        state.pos = src.length;
      } else {
        current += src.slice(state.pos, end);
        state.pos = end + 1;
      }
    } else if (ch === '"') {
      state.pos++;
      current += readDoubleQuoted(state);
    } else if (ch === '$') {
      current += readVariable(state);
    } else {
      current += ch;
      state.pos++;
    }
  }
  if (inWord) words.push(current);
  return { words, unknown: [...state.unknown] };
}

function readDoubleQuoted(state: LexState): string {
  let out = '';
  while (state.pos < state.src.length) {
    const ch = state.src[state.pos]!;
    if (ch === '"') {
      state.pos++;
      return out;
    }
    if (ch === state.escape && state.pos + 1 < state.src.length) {
      const next = state.src[state.pos + 1]!;
      if (next === '"' || next === '$' || next === state.escape) {
        out += next;
        state.pos += 2;
        continue;
      }
      out += ch;
      state.pos++;
      continue;
    }
    if (ch === '$') {
      out += readVariable(state);
      continue;
    }
    out += ch;
    state.pos++;
  }
  return out;
}

function lookup(state: LexState, name: string): string | undefined {
  const value = state.env.get(name);
  return value;
}

function readVariable(state: LexState): string {
  const { src } = state;
  state.pos++; // the $
  const next = src[state.pos];
  if (next === '{') {
    const close = findClosingBrace(src, state.pos + 1);
    if (close === -1) {
      // Unterminated: Docker fails here; keep the text so the caller can report it.
      const rest = src.slice(state.pos - 1);
      state.pos = src.length;
      return rest;
    }
    const body = src.slice(state.pos + 1, close);
    state.pos = close + 1;
    return expandBraced(state, body);
  }
  if (next !== undefined && NAME_START.test(next)) {
    let end = state.pos;
    while (end < src.length && NAME_CHAR.test(src[end]!)) end++;
    const name = src.slice(state.pos, end);
    state.pos = end;
    const value = lookup(state, name);
    if (value === undefined) state.unknown.add(name);
    return value ?? '';
  }
  return '$';
}

function findClosingBrace(src: string, from: number): number {
  let depth = 1;
  for (let i = from; i < src.length; i++) {
    if (src[i] === '{') depth++;
    else if (src[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function expandBraced(state: LexState, body: string): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([\s\S]*))?$/.exec(body);
  if (!match) {
    // ${VAR#pattern} and friends: keep the variable's value when known, otherwise empty.
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body)?.[0];
    if (!name) return '';
    const value = lookup(state, name);
    if (value === undefined) state.unknown.add(name);
    return value ?? '';
  }
  const [, name, op, word = ''] = match;
  const value = lookup(state, name!);
  const expandOperand = () => splitWords(word, state.env, state.escape, false).words.join('');
  switch (op) {
    case undefined:
      if (value === undefined) state.unknown.add(name!);
      return value ?? '';
    case ':-':
      return value === undefined || value === '' ? expandOperand() : value;
    case '-':
      return value === undefined ? expandOperand() : value;
    case ':+':
      return value === undefined || value === '' ? '' : expandOperand();
    case '+':
      return value === undefined ? '' : expandOperand();
    default:
      // ${VAR:?message}: an error in Docker when unset.
      if (value === undefined) state.unknown.add(name!);
      return value ?? '';
  }
}

/** Substitute `$VAR` and `${VAR}` (with `:-`/`:+` forms) in free text, leaving quotes and everything else alone. */
export function expandVariables(text: string, env: Env): string {
  return text.replace(
    /\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced?: string, op?: string, word?: string, bare?: string) => {
      if (whole === '\\$') return '$';
      const name = braced ?? bare!;
      const value = env.get(name);
      switch (op) {
        case ':-':
          return value === undefined || value === '' ? word! : value;
        case '-':
          return value === undefined ? word! : value;
        case ':+':
          return value === undefined || value === '' ? '' : word!;
        case '+':
          return value === undefined ? '' : word!;
        default:
          return value ?? '';
      }
    },
  );
}
