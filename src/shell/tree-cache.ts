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
 * when used (a damaged one is parsed again, and its new reading, in a newer pack, wins). A merge also removes
 * temporaries of pack writers that were killed, and the first write of a run removes the tree folders of other
 * versions once they are a day old.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { writerGone } from '../io/write.js';
import { writeCacheFile } from './load-parser.js';

/** Packs a folder may hold before a run merges them. */
const MAX_PACKS = 8;
/**
 * What a folder may hold in all, in characters of JSON (~900 scripts of the corpus's average size): every run that
 * uses the cache reads all of it, ~1-2 ms a megabyte here, a single-file conversion too.
 */
const MAX_SIZE = 4 << 20;

const PACK = /^trees-[0-9a-z]+-[0-9]+-[0-9a-f]+\.jsonl$/;
/** A pack's temporary name while it is written (write.ts's temporaryName). */
const PACK_TEMPORARY = /^\.trees-.*\.dock2nix-\d+-[0-9a-f]+\.tmp$/;
/** The folders of trees (parse.ts names them by a 16-digit key); another version's is removed once a day old. */
const TREE_FOLDER = /^shell-[0-9a-f]{16}$/;
const A_DAY = 24 * 60 * 60 * 1000;
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
  /** Temporaries of packs whose writer is gone (killed between write and rename). */
  stale: string[];
}

const folders = new Map<string, Folder>();

function open(folder: string): Folder {
  let state = folders.get(folder);
  if (state) return state;
  state = { path: folder, packs: [], size: 0, known: new Map(), used: new Set(), fresh: new Map(), stale: [] };
  folders.set(folder, state);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return state; // no folder yet: a first run
  }
  state.stale = names.filter((name) => PACK_TEMPORARY.test(name) && writerGone(name));
  for (const name of names.filter((n) => PACK.test(n)).sort()) {
    // names start with the time: oldest first
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
  if (mergeDue(state)) writeAtExit(); // even when this run adds nothing: worker threads' packs pile up otherwise
  return state;
}

/** Whether this thread merges the folder's packs when it ends (worker threads of a batch only add theirs). */
function mergeDue(state: Folder): boolean {
  return isMainThread && (state.packs.length + (state.fresh.size > 0 ? 1 : 0) > MAX_PACKS || state.size > MAX_SIZE || state.stale.length > 0);
}

let writing = false;
function writeAtExit(): void {
  if (writing) return;
  writing = true;
  process.once('exit', writePacks);
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
  writeAtExit();
  state.fresh.set(hash, text);
  state.known.set(hash, text);
}

let othersRemoved = false;

/** At exit: this run's new pack, or all packs merged into one. Failures only cost speed. */
function writePacks(): void {
  for (const state of folders.values()) {
    const merge = mergeDue(state);
    if (state.fresh.size === 0 && !merge) continue;
    if (!othersRemoved) {
      othersRemoved = true;
      removeOtherVersions(state.path);
    }
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
    for (const name of [...state.packs, ...state.stale]) {
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

/**
 * The folders of other parser, reader or cache versions beside this one are removed once no run has written to
 * them for a day (another install, or the test runner reading the TypeScript sources, may share the cache root).
 * Only folders named as parse.ts names them: DOCK2NIX_CACHE_DIR may point at a folder that holds other things.
 */
function removeOtherVersions(folder: string): void {
  const root = path.dirname(folder);
  try {
    for (const name of readdirSync(root)) {
      const other = path.join(root, name);
      if (!TREE_FOLDER.test(name) || other === folder) continue;
      const info = statSync(other);
      if (info.isDirectory() && Date.now() - info.mtimeMs > A_DAY) rmSync(other, { recursive: true, force: true });
    }
  } catch {
    // not made yet, or another run is tidying too
  }
}
