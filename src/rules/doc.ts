/**
 * docs/rules.md, generated from the tables in `rules/`: what each name maps to, with what confidence and on
 * what evidence; what maps to nothing and why; the base images and runtimes; and how to add an entry.
 * Output is sorted and has no dates, so it only changes when a table does (a test compares it).
 */
import { compareReleaseNumbers, packageTable, type Manager, type RuleSet } from './lookup.js';
import type { PackageEntry } from './schema.js';

export const RULES_DOC_PATH = 'docs/rules.md';
export const RULES_DOC_COMMAND = 'npm run build && node scripts/gen-rules-doc.mjs';

const NIXPKGS_BLOB = 'https://github.com/NixOS/nixpkgs/blob/master/';

export function renderRulesDoc(rules: RuleSet): string {
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines);
  push(
    '# Package and base-image rules',
    '',
    `<!-- Generated from rules/*.json by \`${RULES_DOC_COMMAND}\`. Do not edit by hand: a test fails when this file is stale. -->`,
    '',
    'dock2nix turns the names a Dockerfile installs into nixpkgs attributes with the tables in `rules/`. Every entry',
    'names the nixpkgs file that defines the attribute (linked below to nixpkgs master; the tables were verified',
    'against the snapshot their descriptions name). Look a name up from the command line with',
    '`dock2nix rules <manager> <name>`, and check every attribute against your own nixpkgs with `dock2nix rules check`.',
    '',
    '## Confidence',
    '',
    '| Confidence | Meaning |',
    '| --- | --- |',
    '| `exact` | The same software, built the same way; nothing to review. |',
    '| `high` | The same software with a packaging difference the note explains (a meta-package split, a module compiled in, an output). |',
    '| `low` | A partial or doubtful match: the note says what is missing. The conversion reports it for review. |',
    '| `none` | Not in the tables and no naming rule applies: reported as unmapped, never guessed. |',
    '',
    'Roles: `runtime` goes into the image; `build` is only needed while building (compilers, headers); `cleanup`',
    'is package-manager plumbing that a Nix image does not need.',
    '',
    '## How names are looked up',
    '',
    '- Alpine, Debian and npm names are compared lowercased; PyPI names are normalised as PEP 503 says',
    '  (lowercase, and runs of `-`, `_`, `.` become one `-`), so `Flask_SQLAlchemy` finds `flask-sqlalchemy`.',
    '  Table keys are stored in that normal form (the loader rejects a key that is not).',
    '- pip attributes are relative to the interpreter\'s package set: `flask` becomes `python312Packages.flask` when',
    '  the image runs Python 3.12.',
    '- A name that is not in a table is looked up in the nixpkgs index (`rules/nixpkgs-index/`, facts evaluated from',
    '  one nixpkgs revision, named in its `meta.json`; regenerate it from your own nixpkgs with',
    '  `dock2nix rules index --nixpkgs PATH`). A distribution (apk, apt, dnf) or npm name that is a top-level attribute, or the pname of',
    '  exactly one, maps with confidence `high`, the index as evidence, when nixpkgs neither marks it broken,',
    '  insecure or unfree nor fails to instantiate it (otherwise the report says why it is not used). A pip name,',
    '  normalised as PEP 503 says, maps to the attribute of that name (or pname) in the package set of the image\'s',
    '  Python, `high` when it is present and instantiates there. The tables stay for what the index cannot know:',
    '  renames, outputs, build-only and cleanup packages.',
    '- Names found in neither go through naming rules. A match made from a table entry that way is always `low`:',
    '  for the distribution tables (apk, apt, dnf), `py3-X`, `python3-X` and `py-X` use the pip entry for `X`; `X-dev` and `X-devel` use the',
    '  `.dev` output of the entry for `X`, for `X` without a leading `lib`, or for `X` without trailing digits;',
    '  `libX` (with or without trailing digits) uses the entry for `X`. For pip, `X-binary` uses the entry for `X`.',
    '  The same rules applied to the index (`py3-X` → the Python set\'s `X`; `X-dev` → the `dev` output of the',
    '  attribute `X`; `libX1.2` → `libX`) give `high`, since the index shows the attribute exists and is usable.',
    '- Only a name found nowhere is `none`: listed in the report and marked in the Nix.',
    '',
  );
  for (const manager of Object.keys(rules.packages)) renderManager(rules, manager, push);
  renderBaseImages(rules, push);
  renderRuntimes(rules, push);
  renderHowToAdd(rules, push);
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function renderManager(rules: RuleSet, manager: Manager, push: (...lines: string[]) => void): void {
  const table = packageTable(rules, manager);
  const entries = sortedEntries(table.packages);
  const mapped = entries.filter(([, e]) => e.attrs.length > 0);
  const nothing = entries.filter(([, e]) => e.attrs.length === 0);
  const count = (c: string) => entries.filter(([, e]) => e.confidence === c).length;
  push(
    `## ${table.title}`,
    '',
    cell(table.description),
    '',
    `${entries.length} entries: ${count('exact')} exact, ${count('high')} high, ${count('low')} low; ${nothing.length} map to nothing.`,
    '',
    '### What maps',
    '',
    '| Name | nixpkgs | Confidence | Role | Note | Evidence |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  const prefix = manager === 'pip' ? 'pythonXPackages.' : '';
  for (const [name, entry] of mapped) {
    push(`| \`${name}\` | ${entry.attrs.map((a) => `\`${prefix}${a}\``).join(', ')} | ${entry.confidence} | ${entry.role} | ${cell(entry.note ?? '')} | ${evidenceLinks(entry)} |`);
  }
  push('', '### What maps to nothing', '');
  if (!nothing.length) {
    push('Every entry maps to at least one attribute.', '');
    return;
  }
  push('| Name | Confidence | Role | Why | Evidence |', '| --- | --- | --- | --- | --- |');
  for (const [name, entry] of nothing) {
    push(`| \`${name}\` | ${entry.confidence} | ${entry.role} | ${cell(entry.note ?? '')} | ${evidenceLinks(entry)} |`);
  }
  push('');
}

function renderBaseImages(rules: RuleSet, push: (...lines: string[]) => void): void {
  const images = sortedEntries(rules.baseImages.images);
  push(
    '## Base images (`FROM`)',
    '',
    cell(rules.baseImages.description),
    '',
    '| Image | Kind | nixpkgs | Runtime | Shell | Packages | Confidence | Note | Evidence |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const [name, image] of images) {
    const aliases = image.aliases?.length ? ` (also ${image.aliases.map((a) => `\`${a}\``).join(', ')})` : '';
    push(
      `| \`${name}\`${aliases} | ${image.kind} | ${image.attrs.map((a) => `\`${a}\``).join(', ') || '—'} | ${image.runtime ?? '—'} | ${image.shell ? 'yes' : 'no'} | ${image.packageManager ?? '—'} | ${image.confidence} | ${cell(image.note ?? '')} | ${evidenceLinks(image)} |`,
    );
  }
  push('');
}

function renderRuntimes(rules: RuleSet, push: (...lines: string[]) => void): void {
  push(
    '## Runtimes (versions chosen from image tags)',
    '',
    'A tag\'s version picks the attribute (`python:3.12-slim` → `python312`); a version nixpkgs no longer carries,',
    'or refuses (marked `refused` below, or broken, insecure or not instantiating in the nixpkgs index), becomes the',
    'nearest one it accepts, and the report names both. A Python whose package set cannot build every requested pip',
    'package (python311\'s Django and Flask no longer instantiate) gives way to the nearest one whose set can.',
    '',
    '| Runtime | Default | Versions | Tags | Note | Evidence |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const [name, runtime] of sortedEntries(rules.baseImages.runtimes)) {
    const versions = Object.entries(runtime.versions)
      .sort(([a], [b]) => compareReleaseNumbers(a, b))
      .map(([v, r]) => `${v} → \`${r.attr}\`${r.builder ? ` (\`${r.builder}\`)` : ''}${r.refused ? ` (refused: ${cell(r.refused)})` : ''}`)
      .join(', ');
    const tags = sortedEntries(runtime.tags).map(([t, v]) => `${t} → ${v}`).join(', ') || '—';
    push(`| ${name} | ${runtime.default} | ${versions} | ${tags} | ${cell(runtime.note ?? runtime.description)} | ${evidenceLinks(runtime)} |`);
  }
  push('');
}

function renderHowToAdd(rules: RuleSet, push: (...lines: string[]) => void): void {
  push(
    '## Adding an entry',
    '',
    '1. Find the attribute in nixpkgs and the file that defines it (`pkgs/by-name/xx/NAME/package.nix`, or the',
    '   line in `pkgs/top-level/all-packages.nix`). Check its outputs before mapping a `-dev` package to `.dev`.',
    '2. Add the entry to `rules/<manager>.json` under its normalised key (lowercase; PEP 503 for pip), keeping the',
    '   keys sorted. For pip, give the attribute name inside the Python package set (`flask`, not',
    '   `python3Packages.flask`).',
    '3. Run `npx vitest run test/rules` (the schema, evidence and key checks), regenerate this file with',
    `   \`${RULES_DOC_COMMAND}\`, and, where Nix is installed, \`dock2nix rules check\` against your nixpkgs.`,
    '',
    'Fields of a package entry:',
    '',
    '| Field | Required | Meaning |',
    '| --- | --- | --- |',
    '| `attrs` | yes | nixpkgs attribute paths that provide what the package provided (`curl`, `openssl.dev`). Empty: nothing is needed in Nix, and `note` must say why. |',
    '| `confidence` | yes | `exact`, `high` or `low` (see above). Anything but `exact` needs a `note`. |',
    '| `role` | no | `runtime` (default), `build` or `cleanup`. |',
    '| `note` | for `high`, `low` and empty `attrs` | Why the match is not exact, or why nothing is needed; shown in the conversion report. |',
    '| `evidence` | yes | One or more nixpkgs source paths (`pkgs/...`, `lib/...`) where the attribute is defined. |',
    '',
    ...example(rules),
  );
}

/** A real entry from the apt table, so the example cannot go stale. */
function example(rules: RuleSet): string[] {
  const key = packageTable(rules, 'apt').packages['libpq-dev'] ? 'libpq-dev' : Object.keys(packageTable(rules, 'apt').packages).sort()[0]!;
  const json = JSON.stringify({ [key]: packageTable(rules, 'apt').packages[key] }, null, 2);
  return [`Example, the \`${key}\` entry of \`rules/apt.json\`:`, '', '```json', json, '```', ''];
}

function sortedEntries<T>(record: Record<string, T>): Array<[string, T]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}


function evidenceLinks(entry: Pick<PackageEntry, 'evidence'>): string {
  const paths = Array.isArray(entry.evidence) ? entry.evidence : [entry.evidence];
  return paths.map((p) => `[${p.replace(/^pkgs\//, '')}](${NIXPKGS_BLOB}${p})`).join('<br>');
}

/** Text safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/</g, '&lt;').trim();
}
