/**
 * Decisions a person made about a conversion (in the wizard, or by hand in an answers file). The core applies
 * them; it never asks. Every decision that no longer fits the Dockerfile is reported, not silently dropped.
 */
/**
 * How a build stage becomes a derivation, where more than one way is sensible:
 * - `importNpmLock`: buildNpmPackage whose dependencies come from package-lock.json through importNpmLock (no
 *   hash to maintain; needs a lock file).
 * - `npmDepsHash`: buildNpmPackage with `npmDepsHash` (one fixed-output download of all dependencies; the hash
 *   starts as lib.fakeHash and is filled in from the first build, and again whenever the lock file changes).
 * - `generic`: stdenv.mkDerivation that replays the stage's commands, marked TODO (for builds the language
 *   builders do not fit).
 */
export const buildChoices = ['importNpmLock', 'npmDepsHash', 'generic'] as const;
export type BuildChoice = (typeof buildChoices)[number];

/** What an answers file decides (validated in answers.ts, which is loaded only when there is one). */
export interface Decisions {
  /** `manager:name` (e.g. `apk:py2-pip`) → a nixpkgs attribute path, or null to leave the package out. */
  packages: Record<string, string | null>;
  /** A build stage, by name (or by index for an unnamed stage, e.g. `"0"`) → how it becomes a derivation. */
  builds?: Record<string, BuildChoice>;
}

export const noDecisions: Decisions = { packages: {} };

export function packageKey(manager: string, name: string): string {
  return `${manager}:${name}`;
}

/** The key of a build decision: the stage's name, or its index for an unnamed stage. */
export function stageKey(stage: { index: number; name: string | null }): string {
  return stage.name ?? String(stage.index);
}

/** Tracks which decisions the conversion used, to report the ones that no longer fit. */
export class DecisionLedger {
  private readonly used = new Set<string>();
  constructor(readonly decisions: Decisions) {}

  package(manager: string, name: string): { attr: string | null } | undefined {
    const key = packageKey(manager, name);
    if (!(key in this.decisions.packages)) return undefined;
    this.used.add(key);
    return { attr: this.decisions.packages[key] ?? null };
  }

  /**
   * The build decision for a stage (looked up by name, then by index). The caller applies it only where it fits
   * (an npm stage; `importNpmLock` only with a lock file); a decision that was never asked for here is reported.
   */
  build(stage: { index: number; name: string | null }): BuildChoice | undefined {
    const builds = this.decisions.builds ?? {};
    for (const key of stage.name ? [stage.name, String(stage.index)] : [String(stage.index)]) {
      const choice = builds[key];
      if (choice) {
        this.used.add(`build:${key}`);
        return choice;
      }
    }
    return undefined;
  }

  /** Unused answers: `manager:name` for packages, `build:<stage>` for build stages. */
  unused(): string[] {
    const packages = Object.keys(this.decisions.packages).filter((key) => !this.used.has(key));
    const builds = Object.keys(this.decisions.builds ?? {})
      .map((key) => `build:${key}`)
      .filter((key) => !this.used.has(key));
    return [...packages, ...builds].sort();
  }
}
