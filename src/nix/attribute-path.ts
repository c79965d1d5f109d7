/**
 * The one syntax dock2nix accepts for a nixpkgs attribute path (`curl`, `openssl.dev`, `python312Packages.flask`):
 * dotted Nix identifiers, no empty segment, no quoted segment. Rule tables, answers files, the wizard and --check
 * all test against it.
 */
const NAME = "[A-Za-z_][A-Za-z0-9_'-]*";

export const ATTRIBUTE_PATH = new RegExp(`^${NAME}(\\.${NAME})*$`);
