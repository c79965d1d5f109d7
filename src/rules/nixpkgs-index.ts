/**
 * A compact index of what a real nixpkgs says about its attributes: for every top-level attribute its pname,
 * version, outputs, main program and whether nixpkgs refuses it (broken, insecure, unfree) or cannot instantiate
 * it; for the Python interpreters' package sets one shared list of names with, per interpreter, whether the name
 * is there and instantiates. Made from the facts evaluated from a nixpkgs tree (scripts/gen-nixpkgs-index.mjs,
 * or `dock2nix rules index --nixpkgs PATH`), shipped in rules/nixpkgs-index/, and read only when a lookup misses
 * the hand tables: most conversions never load it.
 *
 * Files (tab-separated, one record a line, sorted; lines starting with `#` are comments):
 * - meta.json: the nixpkgs revision, which interpreter `python3` is, the Python sets in column order;
 * - top-level.tsv: attr, pname (empty: same as attr), version, flags, outputs (empty: just out), mainProgram;
 * - python.tsv: name, pname (empty: same as name), version, then one status letter per Python set;
 * - descriptions.tsv: `t` or `p`, name, description (read by the wizard only).
 *
 * Flags (top level): b broken, s insecure (known vulnerabilities), u unfree, n does not instantiate, m not
 * available on x86_64-linux; for what is not a derivation: S package set, F function, V other value, E its
 * evaluation failed in the facts' copy (unknown, not absent).
 * Python status letters: - absent, y usable, n does not instantiate, b broken, s insecure, u unfree,
 * o not a derivation, e evaluation failed.
 */

/** One record of the facts (../shared/nixpkgs/facts/*.json). */
export type Fact =
  | {
      pname: string;
      version: string;
      outputs?: string[];
      mainProgram?: string | null;
      broken?: boolean;
      insecure?: boolean;
      unfree?: boolean;
      linux?: boolean;
      description?: string | null;
      instantiates?: boolean;
    }
  | 'set'
  | 'function'
  | 'error'
  | null;

export interface IndexMeta {
  /** The nixpkgs commit (or version string) the facts describe. */
  revision: string;
  /** Where the facts came from, for people. */
  source: string;
  /** The interpreter attribute `python3` is in this revision, e.g. `python313`. */
  python3: string | null;
  /** The Python interpreters whose package sets are indexed, in python.tsv's column order. */
  pythonSets: string[];
}

export interface TopFact {
  attr: string;
  pname: string;
  version: string;
  kind: 'derivation' | 'set' | 'function' | 'value' | 'error';
  broken: boolean;
  insecure: boolean;
  unfree: boolean;
  instantiates: boolean;
  linux: boolean;
  outputs: string[];
  mainProgram: string | null;
}

export type PythonStatus = 'absent' | 'usable' | 'not-instantiating' | 'broken' | 'insecure' | 'unfree' | 'not-a-package' | 'error';

export interface PythonFact {
  name: string;
  pname: string;
  version: string;
  /** Interpreter attribute (`python312`) → status of the name in its package set. */
  status: Record<string, PythonStatus>;
}

const pythonLetters: Record<string, PythonStatus> = {
  '-': 'absent',
  y: 'usable',
  n: 'not-instantiating',
  b: 'broken',
  s: 'insecure',
  u: 'unfree',
  o: 'not-a-package',
  e: 'error',
};

// --- generation (pure) ------------------------------------------------------------------------------------

export interface IndexFiles {
  'meta.json': string;
  'top-level.tsv': string;
  'python.tsv': string;
  'descriptions.tsv': string;
}

export const indexFileNames = ['meta.json', 'top-level.tsv', 'python.tsv', 'descriptions.tsv'] as const;

function clean(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ').trim();
}

function sortedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function topFlags(fact: Fact): string {
  if (fact === 'set') return 'S';
  if (fact === 'function') return 'F';
  if (fact === 'error') return 'E';
  if (fact === null || typeof fact !== 'object') return 'V';
  let flags = '';
  if (fact.broken) flags += 'b';
  if (fact.insecure) flags += 's';
  if (fact.unfree) flags += 'u';
  if (fact.instantiates === false) flags += 'n';
  if (fact.linux === false) flags += 'm';
  return flags;
}

function pythonLetter(fact: Fact | undefined): string {
  if (fact === undefined) return '-';
  if (fact === 'error') return 'e';
  if (fact === null || typeof fact !== 'object') return 'o';
  if (fact.broken) return 'b';
  if (fact.insecure) return 's';
  if (fact.instantiates === false) return 'n';
  if (fact.unfree) return 'u';
  return 'y';
}

/** The index files for a set of facts (deterministic: sorted, no dates). */
export function compactIndex(
  topLevel: Record<string, Fact>,
  python: Record<string, Record<string, Fact>>,
  meta: { revision: string; source: string },
): IndexFiles {
  const top: string[] = ['# attr\tpname\tversion\tflags\toutputs\tmainProgram'];
  const descriptions: string[] = ['# t (top level) or p (Python sets)\tname\tdescription'];
  for (const attr of sortedKeys(topLevel)) {
    const fact = topLevel[attr]!;
    if (fact && typeof fact === 'object') {
      const outputs = fact.outputs && !(fact.outputs.length === 1 && fact.outputs[0] === 'out') ? fact.outputs.join(',') : '';
      top.push([attr, fact.pname === attr ? '' : clean(fact.pname), clean(fact.version ?? ''), topFlags(fact), outputs, clean(fact.mainProgram ?? '')].join('\t'));
      if (fact.description) descriptions.push(`t\t${attr}\t${clean(fact.description)}`);
    } else {
      top.push([attr, '', '', topFlags(fact), '', ''].join('\t'));
    }
  }
  const sets = sortedKeys(python).sort((a, b) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, '')));
  // python3 is the interpreter whose version the top-level python3 carries.
  const py3 = topLevel.python3;
  const python3 = py3 && typeof py3 === 'object' ? (sets.find((s) => {
    const fact = topLevel[s];
    return fact && typeof fact === 'object' && fact.version === py3.version;
  }) ?? null) : null;
  const names = new Set<string>();
  for (const set of sets) for (const name of Object.keys(python[set]!)) names.add(name);
  const pyLines: string[] = [`# name\tpname\tversion\t${sets.join('\t')}`];
  for (const name of [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    // Version and description from the default interpreter's set where it has the name, else the newest that has.
    const order = [...(python3 ? [python3] : []), ...[...sets].reverse()];
    const source = order.map((s) => python[s]![name]).find((f) => f && typeof f === 'object') as Exclude<Fact, string | null> | undefined;
    const pname = source && source.pname !== name ? clean(source.pname) : '';
    pyLines.push([name, pname, clean(source?.version ?? ''), sets.map((s) => pythonLetter(python[s]![name])).join('')].join('\t'));
    if (source?.description) descriptions.push(`p\t${name}\t${clean(source.description)}`);
  }
  const metaJson: IndexMeta = { revision: meta.revision, source: meta.source, python3, pythonSets: sets };
  return {
    'meta.json': `${JSON.stringify(metaJson, null, 2)}\n`,
    'top-level.tsv': `${top.join('\n')}\n`,
    'python.tsv': `${pyLines.join('\n')}\n`,
    'descriptions.tsv': `${descriptions.join('\n')}\n`,
  };
}

// --- reading (lazy) ---------------------------------------------------------------------------------------

/**
 * Lookups search the text of the files directly (a record is found by its `\nname\t`), so the first lookup
 * costs one file read, not building maps of 25,000 records; the files are ASCII, so a lowercased copy has the
 * same offsets and serves the case-insensitive searches.
 */
export class NixpkgsIndex {
  readonly meta: IndexMeta;
  /** Reads one of the index's files by name (src/io/nixpkgs-index-files.ts gives a reader of its folder). */
  private readonly read: (name: string) => string;
  private texts = new Map<string, { text: string; lower: string | null }>();
  private descs: { top: Map<string, string>; python: Map<string, string> } | null = null;

  constructor(read: (name: string) => string, meta: IndexMeta) {
    this.read = read;
    this.meta = meta;
  }

  /** Where the facts come from, for notes and findings. */
  get label(): string {
    return `the nixpkgs index of ${this.meta.revision.slice(0, 12)}`;
  }

  private file(name: string): { text: string; lower: string | null } {
    let file = this.texts.get(name);
    if (!file) {
      file = { text: `\n${this.read(name)}`, lower: null };
      this.texts.set(name, file);
    }
    return file;
  }

  /** The record whose first field is exactly `name`. */
  private record(name: string, file: string): string | undefined {
    const { text } = this.file(file);
    const at = text.indexOf(`\n${name}\t`);
    if (at === -1 || name.includes('\n')) return undefined;
    const end = text.indexOf('\n', at + 1);
    return text.slice(at + 1, end === -1 ? undefined : end);
  }

  /** Records whose text, lowercased, matches `pattern` at a line start (the pattern starts after the newline). */
  private search(file: string, pattern: string): string[] {
    const f = this.file(file);
    f.lower ??= f.text.toLowerCase();
    const found: string[] = [];
    const regex = new RegExp(`\\n(?=${pattern})`, 'g');
    for (let m = regex.exec(f.lower); m; m = regex.exec(f.lower)) {
      const end = f.text.indexOf('\n', m.index + 1);
      found.push(f.text.slice(m.index + 1, end === -1 ? undefined : end));
    }
    return found;
  }

  /** A top-level attribute, exactly as nixpkgs spells it. */
  attr(attr: string): TopFact | undefined {
    const line = this.record(attr, 'top-level.tsv');
    return line === undefined ? undefined : parseTop(line);
  }

  /** Top-level attributes whose name, ignoring case, is `name`. */
  attrsIgnoringCase(name: string): TopFact[] {
    return this.search('top-level.tsv', `${escapeRegex(name.toLowerCase())}\\t`).map(parseTop);
  }

  /** Top-level derivations whose pname, ignoring case, is `pname`. */
  byPname(pname: string): TopFact[] {
    const p = escapeRegex(pname.toLowerCase());
    return this.search('top-level.tsv', `[^\\t\\n]*\\t${p}\\t|${p}\\t\\t`).map(parseTop).filter((f) => f.kind === 'derivation' && f.pname.toLowerCase() === pname.toLowerCase());
  }

  /** Every top-level attribute name (for the wizard's candidates and the tests). */
  attrNames(): string[] {
    return names(this.file('top-level.tsv').text);
  }

  /** A name in the Python sets. */
  python(name: string): PythonFact | undefined {
    const line = this.record(name, 'python.tsv');
    return line === undefined ? undefined : this.parsePython(line);
  }

  /** Python-set names whose pname, normalised as PEP 503 says, is `normalised`. */
  pythonByPname(normalised: string): PythonFact[] {
    // Candidates by a loose pattern (any of - _ . between the parts), then checked exactly.
    const loose = normalised.split('-').map(escapeRegex).join('[-_.]+');
    return this.search('python.tsv', `[^\\t\\n]*\\t${loose}\\t|${loose}\\t\\t`)
      .map((line) => this.parsePython(line))
      .filter((f) => pep503(f.pname) === normalised);
  }

  pythonNames(): string[] {
    return names(this.file('python.tsv').text);
  }

  /** The interpreter attribute a set name stands for (`python3` → `python313`). */
  interpreter(attr: string): string {
    return attr === 'python3' && this.meta.python3 ? this.meta.python3 : attr;
  }

  private parsePython(line: string): PythonFact {
    const [name, pname, version, letters] = line.split('\t') as [string, string, string, string];
    const status: Record<string, PythonStatus> = {};
    this.meta.pythonSets.forEach((set, i) => {
      status[set] = pythonLetters[letters[i] ?? '-'] ?? 'absent';
    });
    return { name, pname: pname || name, version, status };
  }

  /** Descriptions, read on first use (only the wizard needs them). */
  description(kind: 'top' | 'python', name: string): string | undefined {
    if (!this.descs) {
      this.descs = { top: new Map(), python: new Map() };
      for (const line of this.read('descriptions.tsv').split('\n')) {
        if (!line || line.startsWith('#')) continue;
        const [k, n, d] = line.split('\t') as [string, string, string];
        (k === 't' ? this.descs.top : this.descs.python).set(n, d);
      }
    }
    return (kind === 'top' ? this.descs.top : this.descs.python).get(name);
  }
}

function names(text: string): string[] {
  return text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => line.slice(0, line.indexOf('\t')));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parseTop(line: string): TopFact {
  const [attr, pname, version, flags, outputs, mainProgram] = line.split('\t') as [string, string, string, string, string, string];
  const kind = flags.includes('S') ? 'set' : flags.includes('F') ? 'function' : flags.includes('V') ? 'value' : flags.includes('E') ? 'error' : 'derivation';
  return {
    attr,
    pname: pname || attr,
    version,
    kind,
    broken: flags.includes('b'),
    insecure: flags.includes('s'),
    unfree: flags.includes('u'),
    instantiates: kind === 'derivation' && !flags.includes('n'),
    linux: !flags.includes('m'),
    outputs: outputs ? outputs.split(',') : kind === 'derivation' ? ['out'] : [],
    mainProgram: mainProgram || null,
  };
}

/** PEP 503 normalisation. */
export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Why nixpkgs would refuse a top-level derivation, or null when it is usable. */
export function refusal(fact: TopFact): string | null {
  if (fact.kind === 'error') return 'its evaluation failed where the index was made (unknown, not necessarily absent)';
  if (fact.kind !== 'derivation') return `it is not a package (a ${fact.kind === 'value' ? 'value' : fact.kind})`;
  if (fact.broken) return 'nixpkgs marks it broken';
  if (fact.insecure) return 'nixpkgs marks it insecure (known vulnerabilities) and refuses to evaluate it';
  if (!fact.instantiates) return 'it does not instantiate in that nixpkgs';
  if (!fact.linux) return 'it is not available on x86_64-linux';
  if (fact.unfree) return 'its licence is unfree: nixpkgs refuses it unless allowUnfree is set';
  return null;
}

export function pythonRefusal(status: PythonStatus): string | null {
  switch (status) {
    case 'usable':
      return null;
    case 'absent':
      return 'it is not in that set';
    case 'not-instantiating':
      return 'it does not instantiate for that interpreter';
    case 'broken':
      return 'nixpkgs marks it broken for that interpreter';
    case 'insecure':
      return 'nixpkgs marks it insecure (known vulnerabilities)';
    case 'unfree':
      return 'its licence is unfree: nixpkgs refuses it unless allowUnfree is set';
    case 'not-a-package':
      return 'it is not a package';
    case 'error':
      return 'its evaluation failed where the index was made';
  }
}
