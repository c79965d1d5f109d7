/**
 * The registry: every ecosystem, once, sorted by id. The RUN dispatch (src/convert/programs/dispatch.ts), the
 * derivation planning, the rules tables, the answers file, coverage and the wizard all read their lists from here.
 * To add one: a folder src/ecosystems/<id>/ (index.ts, readme.md), a test test/ecosystems/<id>.test.ts, a line
 * below and, for an installer, rules/<id>.json. test/ecosystems/registry.test.ts checks all of it.
 */
import apk from './apk/index.js';
import apt from './apt/index.js';
import bun from './bun/index.js';
import cargo from './cargo/index.js';
import certificates from './certificates/index.js';
import deno from './deno/index.js';
import dnf from './dnf/index.js';
import dotnet from './dotnet/index.js';
import elixir from './elixir/index.js';
import files from './files/index.js';
import go from './go/index.js';
import gradle from './gradle/index.js';
import maven from './maven/index.js';
import misc from './misc/index.js';
import npm from './npm/index.js';
import php from './php/index.js';
import pip from './pip/index.js';
import pythonProject from './python-project/index.js';
import ruby from './ruby/index.js';
import users from './users/index.js';
import yarnPnpm from './yarn-pnpm/index.js';
import type { Ecosystem, EcosystemBuild, Installer } from './define.js';

export const ECOSYSTEMS = [
  apk,
  apt,
  bun,
  cargo,
  certificates,
  deno,
  dnf,
  dotnet,
  elixir,
  files,
  go,
  gradle,
  maven,
  misc,
  npm,
  php,
  pip,
  pythonProject,
  ruby,
  users,
  yarnPnpm,
] as const;

/** Ecosystems with a rules table (their ids are the package managers of rules/<id>.json and of answers). */
export const INSTALLERS: ReadonlyArray<Ecosystem & { installer: Installer }> = (ECOSYSTEMS as readonly Ecosystem[]).filter(
  (e): e is Ecosystem & { installer: Installer } => e.installer !== undefined,
);
export const MANAGERS: readonly string[] = INSTALLERS.map((e) => e.id);

/** Ecosystems that plan a stage's derivation, in the order they are tried (the first that applies builds it). */
export const BUILDERS: ReadonlyArray<Ecosystem & { build: EcosystemBuild }> = (ECOSYSTEMS as readonly Ecosystem[])
  .filter((e): e is Ecosystem & { build: EcosystemBuild } => e.build !== undefined)
  .sort((a, b) => a.build.precedence - b.build.precedence);

/** The ecosystem that claims a program, by its base name (an own property only: `constructor` is not a program). */
export function ecosystemOf(program: string): Ecosystem | undefined {
  return (ECOSYSTEMS as readonly Ecosystem[]).find((e) => Object.hasOwn(e.programs, program));
}
