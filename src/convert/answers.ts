/**
 * The answers file (`dock2nix.answers.json`): every decision of a wizard run, so `dock2nix convert --answers`
 * repeats the migration without prompts. Documented in docs/wizard.md.
 */
import { z } from 'zod';
import { decisionsSchema } from './decisions.js';

export const ANSWERS_FILE = 'dock2nix.answers.json';

export const answersSchema = z
  .object({
    /** Schema version of this file. */
    version: z.literal(1),
    /** The Dockerfile the answers were given for, relative to the answers file. */
    dockerfile: z.string().min(1),
    /** Target stage name or index; omitted for the last stage. */
    target: z.string().optional(),
    format: z.enum(['layered', 'stream', 'nix2container']).default('layered'),
    /** Which files to write. */
    files: z.array(z.enum(['default.nix', 'flake.nix'])).min(1).default(['default.nix', 'flake.nix']),
    decisions: decisionsSchema.default({ packages: {} }),
  })
  .strict();

export type Answers = z.infer<typeof answersSchema>;
