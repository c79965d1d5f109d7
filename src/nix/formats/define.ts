/**
 * An output format: how default.nix turns the image's parts into an image (and what that asks of flake.nix).
 * Each format is one file of this folder, listed once in ./index.ts; everything that lists formats (the CLI's
 * --builder, the answers file, the wizard, the planner's HEALTHCHECK decision, --check) reads that registry.
 */
import type { ImagePlan, MigrationPlan, Status } from '../../convert/types.js';
import type { Instruction } from '../../dockerfile/model.js';
import type { Binding, NixExpr, StringPart } from '../ast.js';

/** The parts of the image that default.nix has built when the format's expression is made. */
export interface ImageParts {
  plan: MigrationPlan;
  /** Store paths for the image root: packages, the Python environment, fakeNss. */
  contents: NixExpr[];
  /** Shell lines that make the Dockerfile's files, folders and links in the image root (`$out` or `.`). */
  script: StringPart[];
  /** Shell lines that set owners (from --chown, chown, useradd -m); empty when the format has no fake root. */
  owners: StringPart[];
  config: NixExpr;
  /** Derivations the image passes through (`passthru`), for a generation step that needs their attribute path. */
  passthru: string[];
  /** TODO(dock2nix) markers for the bindings that stand for the image's contents, files and config. */
  todo: { contents: string[]; files: string[]; config: string[] };
}

/** A flake input a format needs, passed to default.nix as the argument of the same name. */
export interface FlakeInput {
  name: string;
  url: string;
  /** The input's own nixpkgs follows the flake's. */
  followsNixpkgs: boolean;
  /** What default.nix receives, from the flake (`${system}` is the system being built). */
  fromFlake: string;
  /** What default.nix uses without the flake (its argument's default), as Nix code. */
  withoutFlake: string;
}

interface FormatBase<Id extends string> {
  id: Id;
  /** What the wizard shows (the builder's full name) and, after the choice, its short name. */
  label: string;
  short: string;
  /** One line for the wizard: how the result gets to Docker or a registry. */
  description: string;
  /** The first line of default.nix's header: how to build and load the image. */
  loadHint: string;
  /** The result is an image archive, or a script that writes one (docker load takes it; `audit` can compare it). */
  dockerArchive: boolean;
  /** The builder runs commands as root in the image (fakeRootCommands): owners from --chown and chown are set. */
  fakeRoot: boolean;
  flakeInputs: FlakeInput[];
  /**
   * How the format keeps a base image it cannot rebuild (a partial migration: the base's layers stay Docker's);
   * null: the format cannot use a base image's layers at all (the FROM line is manual).
   */
  baseImage: {
    /** The function that pulls the base, as the report names it. */
    puller: string;
    /** What the user does when the FROM line pins no digest. */
    prefetch: string;
    /** The image inherits the base's Env (dockerTools); false: none of the base's config (nix2container). */
    keepsEnv: boolean;
  } | null;
  /** The names the format binds in default.nix's `let` (its function arguments come from flakeInputs). */
  bindings: readonly string[];
  /** The image: the bindings the format adds to default.nix's `let`, and the expression default.nix returns. */
  imageExpr(parts: ImageParts): { bindings: Binding[]; body: NixExpr };
  /** Files the format writes besides default.nix and flake.nix (name → content), regenerated like them. */
  files?(plan: MigrationPlan): Record<string, string>;
  /** The names `files` writes (the headers point to markers in them). */
  fileNames?: readonly string[];
  /** flake.nix's header line on what `nix build` gives (default: an image to load into Docker). */
  flakeHint?: string;
  /** Outputs the format adds to flake.nix's output set, as Nix lines (indented for that set). */
  flakeOutputs?(plan: MigrationPlan): string[];
  /**
   * What the format's result does differently from the container for the image's instructions (the target stage
   * and the stages it starts from, in order): notes on their reports, by Dockerfile line.
   */
  imageNotes?(image: ImagePlan, instructions: Instruction[]): FormatNote[];
}

/** A note a format adds to an instruction's report. */
export interface FormatNote {
  line: number;
  raise: Status | null;
  text: string;
}

/** Whether the image config keeps HEALTHCHECK; when not, why (the planner reports the instruction as manual). */
export type FormatDefinition<Id extends string = string> = FormatBase<Id> &
  ({ keepsHealthcheck: true } | { keepsHealthcheck: false; healthcheckDropped: string });

export function defineFormat<const Id extends string>(format: FormatDefinition<Id>): FormatDefinition<Id> {
  return format;
}
