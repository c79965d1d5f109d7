/**
 * RUN scripts' syntax trees kept between runs, by the sha256 of each script, in a folder of pack files.
 *
 * A pack is lines of `<sha256>\t<ShellParse as JSON>`. A run reads every pack of its folder once, when its first
 * script is looked up, and at exit writes what it parsed as one new pack (whole, under a temporary name, then
 * renamed). One file a run, not one a script: creating a file costs ~0.3-0.7 ms on this machine's ext4 (the
 * journal), so a first run over a hundred scripts spent 30-70 ms creating cache files, a fifth of the work.
 *
 * Packs pile up, one per run that parsed something new; past MAX_PACKS, or past MAX_SIZE in all, the main thread
 * of a run merges them at exit into one (what this run used first, then the newest entries, up to MAX_SIZE) and
 * removes those it read. Runs side by side write packs of their own names; two merging at once only duplicate
 * entries, which the next merge drops; a pack removed while another run reads it is only a miss. Entries are checked
 * when used (a damaged one is parsed again, and its new reading, in a newer pack, wins).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { writeCacheFile } from './load-parser.js';

/** Packs a folder may hold before a run merges them. */
const MAX_PACKS = 8;
/**
 * What a folder may hold in all, in characters of JSON (~900 scripts of the corpus's average size): every run that
 * uses the cache reads all of it, ~1-2 ms a megabyte here, a single-file conversion too.
 */
const MAX_SIZE = 4 << 20;

const PACK = /^trees-[0-9a-z]+-[0-9]+-[0-9a-f]+\.jsonl$/;
const HASH = /^[0-9a-f]{64}$/;

interface Folder {
  path: string;
  /** Names of the packs read, oldest first. */
  packs: string[];
  size: number;
  /** Entry text by script hash, the newest pack's where several have one; in the order of the packs, oldest first. */
  known: Map<string, string>;
  /** Hashes this run took from the packs. */
  used: Set<string>;
  /** Entries this run parsed. */
  fresh: Map<string, string>;
}

const folders = new Map<string, Folder>();

function open(folder: string): Folder {
  let state = folders.get(folder);
  if (state) return state;
  state = { path: folder, packs: [], size: 0, known: new Map(), used: new Set(), fresh: new Map() };
  folders.set(folder, state);
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => PACK.test(name)).sort(); // names start with the time: oldest first
  } catch {
    return state; // no folder yet: a first run
  }
  for (const name of names) {
    let text: string;
    try {
      text = readFileSync(path.join(folder, name), 'utf8');
    } catch {
      continue; // merged away by another run meanwhile
    }
    state.packs.push(name);
    state.size += text.length;
    for (const line of text.split('\n')) {
      const hash = line.slice(0, 64);
      if (line[64] !== '\t' || !HASH.test(hash)) continue;
      state.known.delete(hash); // so that the Map's order stays the packs' order
      state.known.set(hash, line.slice(65));
    }
  }
  return state;
}

/** The entry text kept for the script of `hash` in `folder`, or null. */
export function recallTree(folder: string, hash: string): string | null {
  const state = open(folder);
  const text = state.known.get(hash);
  if (text === undefined) return null;
  state.used.add(hash);
  return text;
}

/** Keep `text` for the script of `hash`: written to `folder` when the run (or this worker thread) ends. */
export function rememberTree(folder: string, hash: string, text: string): void {
  if (text.includes('\n')) return; // JSON.stringify never makes one; a line is an entry
  const state = open(folder);
  if (!writing) {
    writing = true;
    process.once('exit', writePacks);
  }
  state.fresh.set(hash, text);
  state.known.set(hash, text);
}

let writing = false;
let othersRemoved = false;

/** At exit: this run's new pack, or all packs merged into one. Failures only cost speed. */
function writePacks(): void {
  for (const state of folders.values()) {
    if (state.fresh.size === 0) continue;
    if (!othersRemoved) {
      othersRemoved = true;
      removeOtherVersions(state.path);
    }
    // Worker threads of a batch only add packs: the main thread merges.
    const merge = isMainThread && (state.packs.length + 1 > MAX_PACKS || state.size > MAX_SIZE);
    const lines: string[] = [];
    const taken = new Set<string>();
    let size = 0;
    const add = (hash: string, text: string | undefined): void => {
      if (text === undefined || taken.has(hash) || size + text.length + 66 > MAX_SIZE) return;
      taken.add(hash);
      lines.push(`${hash}\t${text}\n`);
      size += text.length + 66;
    };
    for (const [hash, text] of state.fresh) add(hash, text);
    if (merge) {
      for (const hash of state.used) add(hash, state.known.get(hash));
      for (const [hash, text] of [...state.known].reverse()) add(hash, text); // then the newest
    }
    if (!writeCacheFile(path.join(state.path, packName()), lines.join(''), 0o600) || !merge) continue;
    for (const name of state.packs) {
      try {
        rmSync(path.join(state.path, name), { force: true });
      } catch {
        // another run's merge got there first
      }
    }
  }
}

let packs = 0;
/** A new pack's name: the time first (so names sort oldest first), then what makes it this run's own. */
function packName(): string {
  const random = Math.floor(Math.random() * 0xffffffff).toString(16);
  return `trees-${Date.now().toString(36).padStart(9, '0')}-${process.pid}-${random}${(packs++).toString(16)}.jsonl`;
}

/** The folders of other parser, reader or cache versions beside this one are removed. */
function removeOtherVersions(folder: string): void {
  const root = path.dirname(folder);
  try {
    for (const name of readdirSync(root)) if (name.startsWith('shell-') && path.join(root, name) !== folder) rmSync(path.join(root, name), { recursive: true, force: true });
  } catch {
    // not made yet, or another run is tidying too
  }
}
