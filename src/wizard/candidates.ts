/**
 * Candidates for a package the tables do not map (or map with low confidence): table entries whose name or
 * attribute resembles what the person is looking for, best first. Ranking: the same name, then one name
 * containing the other, then a long shared prefix, then a small edit distance.
 */
import type { Manager, RuleSet } from '../rules/load.js';

export interface Candidate {
  /** The attribute to use: a nixpkgs attribute path, or for pip a name inside the Python package set. */
  attr: string;
  /** The table entry it comes from. */
  from: { manager: Manager; name: string; confidence: string };
  score: number;
}

/** Which tables hold candidates for a manager (distribution packages look in both distributions). */
function tablesFor(manager: Manager): Manager[] {
  if (manager === 'apk') return ['apk', 'apt'];
  if (manager === 'apt') return ['apt', 'apk'];
  return [manager];
}

function normal(text: string): string {
  return text.toLowerCase().replace(/^(python3?packages|nodepackages)\./, '').replace(/[-_.@/]+/g, '');
}

/** Similarity of a search term and a name, 0 (unrelated) to 100 (the same). */
export function similarity(term: string, name: string): number {
  const a = normal(term);
  const b = normal(name);
  if (!a || !b) return 0;
  if (a === b) return 100;
  if (b.includes(a) || a.includes(b)) {
    const shorter = Math.min(a.length, b.length);
    const longer = Math.max(a.length, b.length);
    // A contained name counts only when it is not a tiny fragment ("c" is in everything).
    if (shorter >= 2) return 70 + Math.round((20 * shorter) / longer);
  }
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  if (prefix >= 3) return 40 + Math.min(prefix, 20);
  const distance = editDistance(a, b);
  const allowed = Math.max(1, Math.floor(Math.max(a.length, b.length) / 4));
  if (distance <= allowed) return 40 - distance * 5;
  return 0;
}

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Up to `limit` candidates for `term`, best first, one per attribute. */
export function findCandidates(rules: RuleSet, manager: Manager, term: string, limit = 8): Candidate[] {
  const best = new Map<string, Candidate>();
  for (const table of tablesFor(manager)) {
    for (const [name, entry] of Object.entries(rules.packages[table].packages)) {
      for (const attr of entry.attrs) {
        // A distribution package that the tables map into the Python package set is not an attribute here.
        if (manager !== 'pip' && table === 'pip') continue;
        const score = Math.max(similarity(term, name), similarity(term, attr)) - (table === manager ? 0 : 1);
        if (score <= 0) continue;
        const existing = best.get(attr);
        if (!existing || existing.score < score) best.set(attr, { attr, from: { manager: table, name, confidence: entry.confidence }, score });
      }
    }
  }
  return [...best.values()].sort((x, y) => y.score - x.score || x.attr.localeCompare(y.attr)).slice(0, limit);
}

/** The syntax of an attribute path in an answers file (as the decisions schema checks it). */
export const ATTRIBUTE_PATH = /^[A-Za-z_][A-Za-z0-9_'.-]*$/;
