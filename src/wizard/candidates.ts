/**
 * Candidates for a package the tables do not map (or map with low confidence): table entries whose name or
 * attribute resembles what the person is looking for, best first. Ranking: the same name, then one name
 * containing the other, then a long shared prefix, then a small edit distance.
 */
import { INSTALLERS } from '../ecosystems/index.js';
import { checkAttribute, packageTable, rulesIndex, type Manager, type RuleSet } from '../rules/lookup.js';
import { pep503, refusal } from '../rules/nixpkgs-index.js';

export interface Candidate {
  /** The attribute to use: a nixpkgs attribute path, or for pip a name inside the Python package set. */
  attr: string;
  /** The table entry it comes from, or the nixpkgs index (`manager: 'index'`, the attribute's version). */
  from: { manager: Manager | 'index'; name: string; confidence: string };
  /** For a candidate from the index: the attribute's version and description. */
  index?: { version: string; description: string | null };
  score: number;
}

/** Which tables hold candidates for a manager (distribution packages look in every distribution's, their own first). */
function tablesFor(manager: Manager): Manager[] {
  const distributions = INSTALLERS.filter((e) => e.installer.naming === 'distribution').map((e) => e.id);
  return distributions.includes(manager) ? [manager, ...distributions.filter((d) => d !== manager)] : [manager];
}

function normal(text: string): string {
  return text
    .toLowerCase()
    .replace(/^(python3?packages|nodepackages)\./, '')
    .replace(/[-_.@/]+/g, '');
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
    for (const [name, entry] of Object.entries(packageTable(rules, table).packages)) {
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
  for (const candidate of indexCandidates(rules, manager, term)) {
    const existing = best.get(candidate.attr);
    if (!existing || existing.score < candidate.score) best.set(candidate.attr, candidate);
  }
  return [...best.values()].sort((x, y) => y.score - x.score || x.attr.localeCompare(y.attr)).slice(0, limit);
}

/**
 * Attributes of the nixpkgs index that resemble the term by name or pname, or whose description mentions it:
 * only ones nixpkgs would accept (not broken, insecure, unfree, and instantiating; for pip, usable with the
 * default Python). An index candidate ranks just below a table entry of the same score.
 */
/** As similarity, but a short index name inside the term, not at its start ("gema" in "imagemagik"), is no match. */
function indexSimilarity(term: string, name: string): number {
  const a = normal(term);
  const b = normal(name);
  if (a !== b && a.includes(b) && !a.startsWith(b) && b.length < 0.75 * a.length) return 0;
  return similarity(term, name);
}

function indexCandidates(rules: RuleSet, manager: Manager, term: string): Candidate[] {
  const index = rulesIndex(rules);
  const text = term.trim();
  if (!index || !text) return [];
  const words = text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 3);
  const mentions = (description: string | undefined) =>
    description && words.length && words.every((w) => new RegExp(`\\b${w}`, 'i').test(description)) ? 25 : 0;
  const found: Candidate[] = [];
  if (manager === 'pip') {
    const interpreter = index.interpreter('python3');
    const wanted = pep503(text);
    for (const name of index.pythonNames()) {
      const quick = indexSimilarity(wanted, name);
      const description = quick ? undefined : index.description('python', name);
      const score = Math.max(quick, mentions(description)) - 2;
      if (score <= 0) continue;
      const fact = index.python(name)!;
      if (fact.status[interpreter] !== 'usable') continue;
      found.push({
        attr: name,
        from: { manager: 'index', name, confidence: 'index' },
        index: { version: fact.version, description: index.description('python', name) ?? null },
        score,
      });
    }
    return found;
  }
  for (const attr of index.attrNames()) {
    const quick = indexSimilarity(text, attr);
    const description = quick ? undefined : index.description('top', attr);
    const score = Math.max(quick, mentions(description)) - 2;
    if (score <= 0) continue;
    const fact = index.attr(attr)!;
    if (refusal(fact) !== null) continue;
    found.push({
      attr,
      from: { manager: 'index', name: attr, confidence: 'index' },
      index: { version: fact.version, description: index.description('top', attr) ?? null },
      score,
    });
  }
  return found;
}

/** Whether a typed attribute exists and nixpkgs would accept it (null), or why not (see checkAttribute). */
export const checkTypedAttribute = checkAttribute;
