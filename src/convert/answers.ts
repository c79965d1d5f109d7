/**
 * The answers file (`dock2nix.answers.json`): every decision of a wizard run, so `dock2nix convert --answers`
 * repeats the migration without prompts. Documented in docs/wizard.md.
 */
import { z } from 'zod';
import { MANAGERS } from '../ecosystems/index.js';
import { buildChoices, type Decisions } from './decisions.js';
import { DEFAULT_FORMAT, FORMAT_IDS } from '../nix/formats/index.js';
import { ATTRIBUTE_PATH } from '../nix/attribute-path.js';

export const ANSWERS_FILE = 'dock2nix.answers.json';

export const decisionsSchema: z.ZodType<Decisions> = z
  .object({
    packages: z.record(z.string().regex(new RegExp(`^(${MANAGERS.join('|')}):.+$`)), z.string().regex(ATTRIBUTE_PATH).nullable()).default({}),
    builds: z.record(z.string().min(1), z.enum(buildChoices)).optional(),
  })
  .strict() as unknown as z.ZodType<Decisions>;

export const answersSchema = z
  .object({
    /** Schema version of this file. */
    version: z.literal(1),
    /** The Dockerfile the answers were given for, relative to the answers file. */
    dockerfile: z.string().min(1),
    /** Target stage name or index; omitted for the last stage. */
    target: z.string().optional(),
    format: z.enum(FORMAT_IDS).default(DEFAULT_FORMAT),
    /** Keep the image's base as a pulled image even when dock2nix could map it (--keep-base). */
    keepBase: z.boolean().optional(),
    /** The build context, relative to the answers file; omitted when it is the Dockerfile's folder. */
    context: z.string().min(1).optional(),
    /** Build arguments (as --build-arg gives them). Values that look like credentials are never saved. */
    buildArgs: z.record(z.string().regex(/^[^=\s]+$/), z.string()).optional(),
    /** Which files to write. */
    files: z
      .array(z.enum(['default.nix', 'flake.nix']))
      .min(1)
      .default(['default.nix', 'flake.nix']),
    decisions: decisionsSchema.default({ packages: {} }),
  })
  .strict();

export type Answers = z.infer<typeof answersSchema>;
