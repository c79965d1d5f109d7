/**
 * Schemas for the mapping tables in `rules/`. Tables are data; this file is the contract they must meet.
 * Every table is validated when it is loaded, and a bad entry fails with its file and key.
 *
 * The schemas are built on first use, and zod is loaded only then: a build stamps the tables it validated
 * (see src/io/rules-stamp.ts), so a normal run whose tables are unchanged never needs the validator.
 */
import { createRequire } from 'node:module';
import type { z as Zod } from 'zod';
import { ATTRIBUTE_PATH } from '../nix/attribute-path.js';

export const confidenceLevels = ['exact', 'high', 'low'] as const;

function build(z: typeof Zod) {
  /** A nixpkgs attribute path such as `curl`, `openssl.dev`, `python3Packages.flask` or `dockerTools.binSh`. */
  const attrPath = z
    .string()
    .regex(ATTRIBUTE_PATH, 'must be a nixpkgs attribute path such as "curl" or "openssl.dev"');

  /** Where in nixpkgs the attribute is defined, e.g. `pkgs/by-name/cu/curl/package.nix`. */
  const evidence = z
    .string()
    .min(8)
    .regex(/^(pkgs|lib|nixos|doc)\//, 'must be a nixpkgs source path (pkgs/..., lib/...) where the attribute is defined');

  const packageEntrySchema = z
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


  const packageTableSchema = z
    .object({
      /** The ecosystem with an installer this table is for (its file is rules/<manager>.json; the loader checks both). */
      manager: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be an ecosystem id such as "apk"'),
      /** The heading of its section in docs/rules.md: the manager and the commands it reads. */
      title: z.string().min(3),
      description: z.string(),
      /** For pip: attribute names are relative to the chosen `pythonXPackages` set. */
      packages: z.record(z.string().min(1), packageEntrySchema),
    })
    .strict();


  const imageConfigSchema = z
    .object({
      Env: z.record(z.string(), z.string()).optional(),
      Cmd: z.array(z.string()).optional(),
      Entrypoint: z.array(z.string()).optional(),
      ExposedPorts: z.array(z.string()).optional(),
      WorkingDir: z.string().optional(),
      User: z.string().optional(),
      Volumes: z.array(z.string()).optional(),
      StopSignal: z.string().optional(),
    })
    .strict();

  const baseImageSchema = z
    .object({
      /** empty: scratch; os: a distribution base; runtime: an interpreter; toolchain: a compiler for build stages; server: a service. */
      kind: z.enum(['empty', 'os', 'runtime', 'toolchain', 'server']),
      /** Packages the image provides, as nixpkgs attributes. */
      attrs: z.array(attrPath),
      /** The versioned runtime chosen from the image tag (see `runtimes`). */
      runtime: z.string().optional(),
      /** Whether the image has /bin/sh. */
      shell: z.boolean(),
      /** The package manager the distribution uses (its names are looked up in that table). */
      packageManager: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be an ecosystem id such as "apk"').optional(),
      confidence: z.enum(confidenceLevels),
      note: z.string().optional(),
      evidence: z.union([evidence, z.array(evidence).min(1)]),
      /** What the image sets that a derived image inherits (Docker semantics), re-emitted in Nix. */
      config: imageConfigSchema.optional(),
      /** Files the image ships that the program expects (configuration), written into the Nix image. */
      files: z.record(z.string().regex(/^\//), z.string()).optional(),
      /** Symbolic links the image ships, path → target (`@pkg@` stands for the first attr's store path). */
      symlinks: z.record(z.string().regex(/^\//), z.string()).optional(),
      /** Directories the image ships. */
      directories: z
        .array(z.union([z.string().regex(/^\//), z.object({ path: z.string().regex(/^\//), owner: z.string().regex(/^\d+:\d+$/).optional(), mode: z.string().regex(/^[0-7]{3,4}$/).optional() }).strict()]))
        .optional(),
      /** /etc/passwd and /etc/group lines for the image's own users. */
      users: z.array(z.string().regex(/^[a-z_][a-z0-9_-]*:x:\d+:\d+:/)).optional(),
      groups: z.array(z.string().regex(/^[a-z_][a-z0-9_-]*:x:\d+:/)).optional(),
      /** Repository names that mean the same image (`library/python`, registry mirrors). */
      aliases: z.array(z.string()).optional(),
      /** The runtime version the repository name fixes (`distroless/nodejs22-debian12` → 22), whatever the tag. */
      runtimeVersion: z.string().regex(/^\d+(\.\d+)?$/).optional(),
      /**
       * Tags whose leading version is older than `version` are not mapped (the base stays unknown: a pulled image for
       * the image, manual for a build stage), with `why`: nixpkgs has no such runtime, and the nearest one it has is
       * too far to stand in for it (`php:5` → PHP 8.2 would break the program, not approximate it).
       */
      oldestVersion: z.object({ version: z.string().regex(/^\d+(\.\d+)?$/), why: z.string().min(3) }).strict().optional(),
      /** The tag part that starts with this names the runtime version (`python` for uv's `python3.12-bookworm`). */
      runtimeTagPrefix: z.string().regex(/^[a-z]+$/).optional(),
      /** What a part of the tag adds (`:nonroot`, `:debug`, `:debug-nonroot`): packages, a shell, config. */
      variants: z
        .record(
          z.string().regex(/^[a-z0-9.]+$/),
          z.object({ attrs: z.array(attrPath).optional(), shell: z.boolean().optional(), config: imageConfigSchema.optional(), note: z.string().optional(), /** The note says what Nix does differently: the FROM is approximated, with it. */ approximated: z.boolean().optional(), /** Another runtime table for this tag part (eclipse-temurin's `jre`). */ runtime: z.string().optional() }).strict(),
        )
        .optional(),
    })
    .strict()
    .superRefine((image, ctx) => {
      if (image.confidence !== 'exact' && !image.note) {
        ctx.addIssue({ code: 'custom', message: `a "${image.confidence}" image needs a note that says why`, path: ['note'] });
      }
    });


  const runtimeVersionSchema = z
    .object({
      attr: attrPath,
      /** For Go: the buildGoModule variant for this version. */
      builder: attrPath.optional(),
      /** Why nixpkgs refuses this version (insecure, broken): the chooser never picks it, and says why. */
      refused: z.string().min(3).optional(),
    })
    .strict();

  const runtimeSchema = z
    .object({
      description: z.string(),
      /** Used when the tag names no version (`latest`, `alpine`). */
      default: z.string(),
      /** Version (`3.12`, `22`, `1.25`) → attribute. */
      versions: z.record(z.string().regex(/^\d+(\.\d+)?$/), runtimeVersionSchema),
      /** Named tags (`lts`, `current`) → version. */
      tags: z.record(z.string(), z.string()).default({}),
      /** How many version components a tag's number selects on (python 3.12 → 2, node 22 → 1). */
      components: z.union([z.literal(1), z.literal(2)]),
      evidence: z.union([evidence, z.array(evidence).min(1)]),
      note: z.string().optional(),
    })
    .strict()
    .superRefine((runtime, ctx) => {
      if (!runtime.versions[runtime.default]) ctx.addIssue({ code: 'custom', message: `default version ${runtime.default} is not in versions`, path: ['default'] });
      for (const [tag, version] of Object.entries(runtime.tags)) {
        if (!runtime.versions[version]) ctx.addIssue({ code: 'custom', message: `tag ${tag} names version ${version}, which is not in versions`, path: ['tags', tag] });
      }
    });


  const baseImageTableSchema = z
    .object({
      description: z.string(),
      images: z.record(z.string().regex(/^[a-z0-9][a-z0-9._/-]*$/), baseImageSchema),
      runtimes: z.record(z.string(), runtimeSchema),
    })
    .strict()
    .superRefine((table, ctx) => {
      for (const [name, image] of Object.entries(table.images)) {
        if (image.runtime && !table.runtimes[image.runtime]) {
          ctx.addIssue({ code: 'custom', message: `runtime "${image.runtime}" is not defined in runtimes`, path: ['images', name, 'runtime'] });
        }
      }
    });

  return { packageEntrySchema, packageTableSchema, baseImageSchema, runtimeSchema, baseImageTableSchema };
}

type Schemas = ReturnType<typeof build>;
let built: Schemas | null = null;

/** The table schemas (loads zod the first time). */
export function schemas(): Schemas {
  if (!built) {
    const { z } = createRequire(import.meta.url)('zod') as { z: typeof Zod };
    built = build(z);
  }
  return built;
}

export type PackageEntry = Zod.infer<Schemas['packageEntrySchema']>;
export type PackageTable = Zod.infer<Schemas['packageTableSchema']>;
export type BaseImage = Zod.infer<Schemas['baseImageSchema']>;
export type Runtime = Zod.infer<Schemas['runtimeSchema']>;
export type BaseImageTable = Zod.infer<Schemas['baseImageTableSchema']>;
