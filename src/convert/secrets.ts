/**
 * Values that look like credentials. In a Nix image they would sit world-readable in /nix/store (and in the
 * image config), so they are reported, and masked in every report dock2nix prints.
 */

const SECRET_NAME = /(^|[_.-])(TOKEN|PASSWORD|PASSWD|PASS|SECRET|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|CREDENTIALS?|AUTH)($|[_.-])/i;
const SECRET_SHAPES: Array<[RegExp, string]> = [
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
  [/\bsk-[A-Za-z0-9_-]{20,}/, 'an API secret key'],
];

export interface SecretFinding {
  line: number;
  keyword: 'ENV' | 'ARG' | 'LABEL';
  name: string;
  reason: string;
  /** Kept only to mask it; never printed. */
  value: string;
}

/** Why a NAME=value looks secret, or null. Empty values and variable references are not secrets. */
export function secretReason(name: string, value: string): string | null {
  if (!value || /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(value)) return null;
  for (const [shape, what] of SECRET_SHAPES) if (shape.test(value)) return `the value looks like ${what}`;
  // NAME_FILE / NAME_PATH point at where a secret lives, which is not itself secret.
  if (/_(FILE|PATH|DIR)$/i.test(name)) return null;
  if (SECRET_NAME.test(name) && !/^(true|false|yes|no|0|1|none|null|changeme|\*+)$/i.test(value)) return `the name ${name} suggests a credential`;
  return null;
}

const MASK = '****';

/** Replace every secret value (3 characters or more) in a string. */
export function maskText(text: string, secrets: readonly SecretFinding[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.value.length - a.value.length)) {
    if (secret.value.length >= 3) out = out.split(secret.value).join(MASK);
  }
  return out;
}

/** Mask every string inside a JSON-like value. */
export function maskDeep<T>(value: T, secrets: readonly SecretFinding[]): T {
  if (!secrets.length) return value;
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return maskText(v, secrets);
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return visit(value) as T;
}

export function recordSecrets(into: SecretFinding[], line: number, keyword: SecretFinding['keyword'], pairs: Array<[string, string]>): SecretFinding[] {
  const found: SecretFinding[] = [];
  for (const [name, value] of pairs) {
    const reason = secretReason(name, value);
    if (reason) found.push({ line, keyword, name, reason, value });
  }
  into.push(...found);
  return found;
}
