/**
 * Schemas for the mapping tables in `rules/`. Tables are data; this file is the contract they must meet.
 * Every table is validated when it is loaded, and a bad entry fails with its file and key.
 */
import { z } from 'zod';

export const confidenceLevels = ['exact', 'high', 'low'] as const;
export type TableConfidence = (typeof confidenceLevels)[number];

/** A nixpkgs attribute path such as `curl`, `openssl.dev`, `python3Packages.flask` or `dockerTools.binSh`. */
const attrPath = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/, 'must be a nixpkgs attribute path such as "curl" or "openssl.dev"');

/** Where in nixpkgs the attribute is defined, e.g. `pkgs/by-name/cu/curl/package.nix`. */
const evidence = z
  .string()
  .min(8)
  .regex(/^(pkgs|lib|nixos|doc)\//, 'must be a nixpkgs source path (pkgs/..., lib/...) where the attribute is defined');

export const packageEntrySchema = z
  .object({
    /** nixpkgs attributes that provide what the source package provided. Empty: nothing is needed in Nix. */
    attrs: z.array(attrPath),
    confidence: z.enum(confidenceLevels),
    /** build: only needed while building (compilers, headers); cleanup: package-manager plumbing Nix makes unnecessary. */
    role: z.enum(['runtime', 'build', 'cleanup']).default('runtime'),
    note: z.string().min(3).optional(),
    evidence: z.union([evidence, z.array(evidence).min(1)]),
  })
  .strict()
  .superRefine((entry, ctx) => {
    if (entry.confidence !== 'exact' && !entry.note) {
      ctx.addIssue({ code: 'custom', message: `a "${entry.confidence}" entry needs a note that says why`, path: ['note'] });
    }
    if (entry.attrs.length === 0 && !entry.note) {
      ctx.addIssue({ code: 'custom', message: 'an entry that maps to nothing needs a note that says why', path: ['note'] });
    }
  });

export type PackageEntry = z.infer<typeof packageEntrySchema>;

export const packageTableSchema = z
  .object({
    manager: z.enum(['apk', 'apt', 'pip', 'npm']),
    description: z.string(),
    /** For pip: attribute names are relative to the chosen `pythonXPackages` set. */
    packages: z.record(z.string().min(1), packageEntrySchema),
  })
  .strict();

export type PackageTable = z.infer<typeof packageTableSchema>;
