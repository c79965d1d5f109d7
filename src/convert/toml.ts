/** TOML for Cargo.toml, pyproject.toml and Pipfile, loaded only when a project has one. */
import { createRequire } from 'node:module';

type Parse = (text: string) => Record<string, unknown>;
let parse: Parse | null = null;

export function parseToml(text: string): Record<string, unknown> {
  parse ??= (createRequire(import.meta.url)('smol-toml') as { parse: Parse }).parse;
  return parse(text);
}
