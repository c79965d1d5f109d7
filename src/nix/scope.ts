/**
 * The one naming scope of a generated default.nix. Every name the emitter binds (its helpers and the function's
 * arguments), every name it reads from the global scope (builtins, toString, import, true...) and Nix's keywords
 * are taken; a derivation (one per build stage) gets a name derived from its stage that is none of those and
 * none of another derivation's, so no binding collides with or shadows another.
 */
import { ALL_BUILDER_BINDINGS } from './builders/index.js';
import { CONTEXT_BINDINGS } from './context.js';
import { DOCKERFILE_OUT_BINDINGS } from './dockerfile-out.js';
import { FORMATS } from './formats/index.js';
import { PKGS_BINDINGS } from './pkgs.js';

/**
 * Names the emitter binds in default.nix (in its `let`, inside its helpers, or as the file's arguments): each
 * file that makes bindings declares them next to the code that makes them, and this list is their union.
 * test/nix/scope.test.ts walks emitted files and fails on a bound name missing from it.
 */
export const EMITTER_BINDINGS: readonly string[] = [
  ...new Set([
    ...PKGS_BINDINGS,
    ...CONTEXT_BINDINGS,
    ...DOCKERFILE_OUT_BINDINGS,
    ...ALL_BUILDER_BINDINGS,
    ...FORMATS.flatMap((format) => [...format.bindings, ...format.flakeInputs.map((input) => input.name)]),
  ]),
];

/** Names Nix resolves in the global scope: shadowing one breaks every use of it below the binding. */
export const NIX_GLOBALS = [
  'builtins',
  'import',
  'toString',
  'true',
  'false',
  'null',
  'throw',
  'abort',
  'map',
  'baseNameOf',
  'dirOf',
  'derivation',
  'derivationStrict',
  'fetchTarball',
  'fetchGit',
  'fetchMercurial',
  'fetchTree',
  'fetchurl',
  'isNull',
  'placeholder',
  'removeAttrs',
  'scopedImport',
  '__curPos',
  '__nixPath',
  '__currentSystem',
  '__currentTime',
  '__storeDir',
] as const;

/** Nix keywords: not valid as a binding name. */
export const NIX_KEYWORDS = ['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or'] as const;

export class NameScope {
  private readonly taken = new Set<string>([...EMITTER_BINDINGS, ...NIX_GLOBALS, ...NIX_KEYWORDS]);

  /** Whether `name` is free (not a helper, global, keyword or claimed name). */
  isFree(name: string): boolean {
    return !this.taken.has(name);
  }

  /** A Nix identifier for `wanted` that nothing else in the file uses; it is then taken. */
  claim(wanted: string, fallback = 'stage'): string {
    const base = identifier(wanted) || fallback;
    let name = base;
    if (!this.isFree(name)) name = `${base}Stage`;
    for (let n = 2; !this.isFree(name); n++) name = `${base}Stage${n}`;
    this.taken.add(name);
    return name;
  }
}

/** `context-filter` → contextFilter, `a.b` → aB, `1st` → st: a plain Nix identifier (letters, digits, _). */
export function identifier(text: string): string {
  const base = text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[^A-Za-z_]+/, '');
  return base
    .replace(/-+([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase())
    .replace(/-+$/, '')
    .replace(/-/g, '_');
}

/**
 * Names for the derivations of a Dockerfile's stages: the target stage's own build is `app`; a build stage is
 * named after the stage (`stageN` when unnamed). Claimed in a fixed order (the target first, then by index), so
 * the names do not depend on which stages end up with a derivation.
 */
export function derivationNames(stages: Array<{ index: number; name: string | null }>, target: number): Map<number, string> {
  const scope = new NameScope();
  const names = new Map<number, string>();
  names.set(target, scope.claim('app'));
  for (const stage of stages) {
    if (stage.index === target) continue;
    names.set(stage.index, scope.claim(stage.name ?? `stage${stage.index}`, `stage${stage.index}`));
  }
  return names;
}
