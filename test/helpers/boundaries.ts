/**
 * The layering rules test/architecture.test.ts holds src/ to, as a pure function of the imports
 * (test/helpers/imports.ts reads them), so that the rules themselves can be tested on made-up imports.
 */
import type { Import } from './imports.js';

/** The pure core: folders that must not touch the disk, processes, workers, prompts, nor the edges. */
export const CORE = ['src/convert/', 'src/dockerfile/', 'src/ecosystems/', 'src/nix/', 'src/rules/', 'src/shell/'];

/** Packages that do I/O or change the process: the core may not load them (type-only imports are erased: allowed). */
export const FORBIDDEN_PACKAGES = ['fs', 'child_process', 'worker_threads', 'vm', 'v8', 'execa', '@inquirer/'];

/** Folders of the edges: the core may not import them, not even for a type (the edges depend on the core). */
export const EDGES = ['src/audit/', 'src/check/', 'src/cli/', 'src/engines/', 'src/io/', 'src/wizard/'];

/** An import the rules know is wrong today and tolerate until the branch that fixes it lands. */
export interface KnownViolation {
  /** The importing file, repository-relative (`src/shell/tree-sitter.ts`). */
  file: string;
  /** What it imports: a package as written (`node:v8`) or the imported file (`src/io/write.ts`). */
  imports: string;
}

export interface Findings {
  /** A core file (or a file the core loads) importing what it may not: `file:line → import (why)`. */
  violations: string[];
  /** Folders that import each other in a circle, each as `a → b → a` with the imports making each step. */
  cycles: string[];
  /** Known violations that are no longer needed (the import is gone, or no longer breaks a rule). */
  stale: string[];
}

/** `node:fs/promises` → `fs`, `@inquirer/prompts` → `@inquirer/prompts`, `execa` → `execa`. */
function packageName(target: string): string {
  const bare = target.replace(/^node:/, '');
  return bare.startsWith('@') ? bare : bare.split('/')[0]!;
}

function forbiddenPackage(target: string): boolean {
  if (target.startsWith('src/') || target.startsWith('.')) return false;
  const name = packageName(target);
  return FORBIDDEN_PACKAGES.some((forbidden) => (forbidden.endsWith('/') ? name.startsWith(forbidden) : name === forbidden));
}

const inCore = (file: string): boolean => CORE.some((folder) => file.startsWith(folder));
const inEdge = (file: string): boolean => EDGES.some((folder) => file.startsWith(folder));

/** The unit cycles are counted between: a top-level folder of src/ (`src/cli`), or a file directly in src/. */
export function unitOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

const key = (file: string, imports: string): string => `${file} → ${imports}`;

/** Why one import breaks the core's rules (`reachedVia` names how the core loads a file outside it), or null. */
function coreRule(imp: Import, reachedVia: string | undefined): string | null {
  const via = reachedVia ? `, loaded by the core through ${reachedVia}` : '';
  if (!imp.typeOnly && forbiddenPackage(imp.target)) return `the core may not load ${imp.target}${via}`;
  if (inEdge(imp.target)) return `the core may not import ${unitOf(imp.target)}/ (it is an edge)${via}`;
  return null;
}

/**
 * Files the core loads at run time that lie outside the core folders (src/package-root.ts, src/errors.ts, …): they
 * are held to the core's rules too, since loading them is loading the core. Maps each to one chain that loads it.
 */
function loadedByCore(imports: Import[]): Map<string, string> {
  const runtime = new Map<string, string[]>();
  for (const imp of imports) {
    if (imp.typeOnly || !imp.target.startsWith('src/')) continue;
    runtime.set(imp.from, [...(runtime.get(imp.from) ?? []), imp.target]);
  }
  const reached = new Map<string, string>();
  const queue = [...new Set(imports.map((imp) => imp.from).filter(inCore))].sort().map((file) => [file, file] as const);
  const seen = new Set(queue.map(([file]) => file));
  while (queue.length > 0) {
    const [file, chain] = queue.shift()!;
    for (const target of (runtime.get(file) ?? []).sort()) {
      if (seen.has(target)) continue;
      seen.add(target);
      if (!inCore(target) && !inEdge(target)) reached.set(target, chain);
      queue.push([target, `${chain} → ${target}`]);
    }
  }
  return reached;
}

/** Folder-level import graph from run-time imports (type-only imports are erased and load nothing). */
function folderGraph(imports: Import[], skip: (imp: Import) => boolean): Map<string, Map<string, Import>> {
  const graph = new Map<string, Map<string, Import>>();
  for (const imp of imports) {
    if (imp.typeOnly || !imp.target.startsWith('src/') || skip(imp)) continue;
    const [a, b] = [unitOf(imp.from), unitOf(imp.target)];
    if (a === b) continue;
    const out = graph.get(a) ?? new Map<string, Import>();
    if (!out.has(b)) out.set(b, imp); // the first import (files are read sorted) stands for the step
    graph.set(a, out);
  }
  return graph;
}

/** Strongly connected components with more than one unit (Tarjan), each sorted; the list sorted. */
function circles(graph: Map<string, Map<string, Import>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of [...(graph.get(v)?.keys() ?? [])].sort()) {
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) connect(v);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** One shortest circle through `start` inside `component`, as its steps. */
function oneCircle(graph: Map<string, Map<string, Import>>, component: string[], start: string): Import[] {
  const members = new Set(component);
  const back = new Map<string, Import>();
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const [w, imp] of [...(graph.get(v) ?? new Map<string, Import>())].sort(([a], [b]) => a.localeCompare(b))) {
      if (!members.has(w) || seen.has(w)) continue;
      seen.add(w);
      back.set(w, imp);
      if (w === start) {
        const steps: Import[] = [];
        for (let at = start; ;) {
          const step = back.get(at)!;
          steps.unshift(step);
          at = unitOf(step.from);
          if (at === start) return steps;
        }
      }
      queue.push(w);
    }
  }
  return [];
}

function describeCircle(steps: Import[]): string {
  const units = [unitOf(steps[0]!.from), ...steps.map((step) => unitOf(step.target))];
  const how = steps.map((step) => `${step.from}:${step.line} imports ${step.target}`).join('; ');
  return `${units.join(' → ')} (${how})`;
}

/** `src/a.ts:9 → …` before `src/a.ts:12 → …`. */
function byFileAndLine(a: string, b: string): number {
  const [fa, la] = a.split(/:(\d+) /);
  const [fb, lb] = b.split(/:(\d+) /);
  return fa!.localeCompare(fb!) || Number(la) - Number(lb) || a.localeCompare(b);
}

/** Check the imports of src/ against the layering rules, tolerating the known violations. */
export function checkBoundaries(imports: Import[], known: KnownViolation[]): Findings {
  const isKnown = (imp: Import): boolean => known.some((k) => k.file === imp.from && k.imports === imp.target);
  const reached = loadedByCore(imports);
  const broken = new Map<string, string>(); // import key → why, known or not
  const violations: string[] = [];
  for (const imp of imports) {
    const inside = inCore(imp.from);
    if (!inside && !reached.has(imp.from)) continue;
    const why = coreRule(imp, inside ? undefined : reached.get(imp.from));
    if (!why) continue;
    broken.set(key(imp.from, imp.target), why);
    if (!isKnown(imp)) violations.push(`${imp.from}:${imp.line} → ${imp.target} (${why})`);
  }

  const full = folderGraph(imports, () => false);
  const inCircle = new Set<string>(); // import keys that make a step of some circle
  for (const component of circles(full)) {
    const members = new Set(component);
    for (const imp of imports) {
      if (
        !imp.typeOnly &&
        imp.target.startsWith('src/') &&
        members.has(unitOf(imp.from)) &&
        members.has(unitOf(imp.target)) &&
        unitOf(imp.from) !== unitOf(imp.target)
      ) {
        inCircle.add(key(imp.from, imp.target));
      }
    }
  }
  const tolerated = folderGraph(imports, isKnown);
  const cycles = circles(tolerated).map(
    (component) => `${component.join(', ')} import each other; one circle: ${describeCircle(oneCircle(tolerated, component, component[0]!))}`,
  );

  const present = new Set(imports.map((imp) => key(imp.from, imp.target)));
  const stale = known
    .map((k) => key(k.file, k.imports))
    .filter((k) => !present.has(k) || (!broken.has(k) && !inCircle.has(k)))
    .map((k) => `${k} (${present.has(k) ? 'no longer breaks a rule' : 'no longer imported'})`);
  return { violations: violations.sort(byFileAndLine), cycles, stale };
}
