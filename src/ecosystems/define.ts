/**
 * What an ecosystem is: the programs it claims in RUN lines, how each is converted, and what else the rest of the
 * converter asks of it (its rules table, the cache folders it leaves, the derivation it plans for a build stage).
 * Every ecosystem is one folder under src/ecosystems/ and one line in src/ecosystems/index.ts.
 */
import type { ShellCommand } from '../shell/analyze.js';
import type { Stage } from '../dockerfile/model.js';
import type { BuildContext } from '../convert/context.js';
import type { DecisionLedger } from '../convert/decisions.js';
import type { CommandScope, Outcome, StageState } from '../convert/stage.js';
import type { BuildPlan } from '../convert/types.js';
import type { RuleSet } from '../rules/lookup.js';

/** What a handler may ask of the other ecosystems, through the registry (handlers never import it). */
export interface RunContext {
  /** Decide a nested shell command (a Makefile recipe's commands, say) as a RUN line's. */
  dispatch(command: ShellCommand, scope: CommandScope): Outcome;
  /** Whether a path holds only some ecosystem's caches and lists (removing it is a no-op in Nix). */
  cachePath(path: string): boolean;
  /** Whether a path is some ecosystem's placeholder for Docker's layer cache (see Ecosystem.scaffolding). */
  scaffolding(state: StageState, path: string): boolean;
  /** Whether a path is where a language build left a binary (see Ecosystem.builtOutput). */
  builtOutput(state: StageState, path: string): boolean;
}

/**
 * Converts one program's command. `words` are the resolved words, starting with the program (wrappers such as
 * `sudo` and `env A=b` already removed).
 */
export type ProgramHandler = (words: string[], command: ShellCommand, scope: CommandScope, run: RunContext) => Outcome;

export interface Installer {
  /**
   * How the names of its table are written and looked up: `distribution` (lower case; the `-dev`/`-devel`,
   * `lib…` and `py3-`/`python3-` naming rules apply), `python` (PEP 503) or `npm` (lower case).
   * The table is rules/<id>.json.
   */
  naming: 'distribution' | 'python' | 'npm';
  /** Counted by `dock2nix rules coverage` (the share of names real Dockerfiles install that the table maps). */
  coverage: boolean;
  /** Its programs that install the names known while other words are only known at build time (reported as manual). */
  installsKnownNames: readonly string[];
}

export interface EcosystemBuild {
  /** Which builder wins when a stage has several: lower first. */
  precedence: number;
  /** Whether the stage recorded steps of this builder (its RUN lines the language builder does). */
  active(state: StageState): boolean;
  /** The stage's derivation by this builder, or null to leave it to the next one (an answer asked for a generic build). */
  plan(state: StageState, input: BuildInput): BuildPart | null;
}

/** What a builder reads to plan a stage's derivation. */
export interface BuildInput {
  stage: Stage;
  context: BuildContext;
  rules: RuleSet;
  decisions?: DecisionLedger;
  /** The stage's source folder in the build context ('' for the root). */
  root: string;
  /** Reads a file of the stage's source. */
  read(file: string): string | null;
  /** The derivation's default name. */
  name: string;
}

/** A builder's part of the derivation; buildDerivation adds the source, inputs and what later stages copy. */
export interface BuildPart {
  build: BuildPlan;
  pname?: string;
  version?: string;
  /**
   * Where a path the Dockerfile built a binary at is found in $out, or null. `copy`: the COPY asking (its line, its
   * destination, and whether that is a folder), for a builder that installs a wildcard's matches (Maven's JARs).
   */
  resolveSpecial?: (from: string, copy?: { line: number; dest: string; trailingSlash: boolean }) => { path: string } | null;
  /** The binaries the builder installs in $out/bin, by the path the Dockerfile built them at. */
  builtBinaries?: Array<{ path: string; bin: string }>;
  problems?: Array<{ line: number; status: 'manual' | 'approximated'; message: string }>;
}

export interface Ecosystem<Id extends string = string> {
  /** Folder name and, for an installer, the manager name of its table and answers (`apk:curl`). */
  id: Id;
  /** One line for help texts and the registry's docs. */
  summary: string;
  /** Program name (the command's base name) → handler. Each program is claimed by exactly one ecosystem. */
  programs: Readonly<Record<string, ProgramHandler>>;
  /** `python -m <module>` forms this ecosystem handles, with the interpreter words removed. */
  pythonModules?: Readonly<Record<string, ProgramHandler>>;
  /** Programs whose conversion does not depend on the folder they run in (`true`: all of them). */
  cwdIndependent?: boolean | readonly string[];
  /** Folders holding only this ecosystem's caches and lists: removing them is a no-op in Nix. */
  cachePaths?: readonly RegExp[];
  /** A package installer with a rules table (rules/<id>.json). */
  installer?: Installer;
  /** Whether a path the command writes or removes is placeholder scaffolding for Docker's layer cache. */
  scaffolding?(state: StageState, path: string): boolean;
  /** Whether a path is where this ecosystem's build left a binary (cargo's target folder, `go build -o`). */
  builtOutput?(state: StageState, path: string): boolean;
  /** A language build the stage's derivation does (buildGoModule, buildRustPackage, buildNpmPackage…). */
  build?: EcosystemBuild;
}

/** Types an ecosystem (and keeps its id a literal). */
export function defineEcosystem<const Id extends string>(ecosystem: Ecosystem<Id>): Ecosystem<Id> {
  return ecosystem;
}

export const ignored = (rule: string, message: string): Outcome => ({ status: 'ignored', rule, message });
export const manual = (rule: string, message: string): Outcome => ({ status: 'manual', rule, message });

/** The outcome for a command no ecosystem converts. */
export function unknownProgram(command: ShellCommand, base: string): Outcome {
  return manual('run.unknown', `${command.source}: no Nix equivalent known for "${base}"; it becomes part of a build step to finish by hand`);
}
