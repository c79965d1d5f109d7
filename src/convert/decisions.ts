/**
 * Decisions a person made about a conversion (in the wizard, or by hand in an answers file). The core applies
 * them; it never asks. Every decision that no longer fits the Dockerfile is reported, not silently dropped.
 */
import { z } from 'zod';

export const decisionsSchema = z
  .object({
    /** `manager:name` (e.g. `apk:py2-pip`) → a nixpkgs attribute path, or null to leave the package out. */
    packages: z.record(z.string().regex(/^(apk|apt|pip|npm):.+$/), z.string().regex(/^[A-Za-z_][A-Za-z0-9_'.-]*$/).nullable()).default({}),
  })
  .strict();

export type Decisions = z.infer<typeof decisionsSchema>;

export const noDecisions: Decisions = { packages: {} };

export function packageKey(manager: string, name: string): string {
  return `${manager}:${name}`;
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

  unused(): string[] {
    return Object.keys(this.decisions.packages).filter((key) => !this.used.has(key)).sort();
  }
}
