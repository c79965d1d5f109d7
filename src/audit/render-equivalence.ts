/** The equivalence sections (configuration, files, packages, smoke run) of the text, Markdown and HTML reports. */
import { table, TEXT_DIFFERENCE_LIMIT, WIDTH } from '../image/render.js';
import type { ConfigRow, Equivalence, FileRow, PackageRow, SmokeSection } from './types.js';

const PACKAGE_LIMIT = 40;
/** Rows per Markdown table: three tables of these stay far below GitHub's 65,536-character comment limit. */
const MARKDOWN_ROWS = 40;

function statusWord(row: ConfigRow): string {
  return row.status === 'missing' ? (row.docker === null ? 'only Nix' : 'missing') : row.status;
}

function clip(text: string, width = WIDTH): string {
  return text.length <= width ? text : `${text.slice(0, width - 3)}...`;
}

function packageVersions(row: PackageRow): string {
  return `${row.docker.join(', ') || '-'} / ${row.nix.join(', ') || '-'}`;
}

/** Rows worth showing: every difference; equal rows are summed up in one line. */
function notable<T extends { status?: string; expected?: boolean }>(rows: T[], isEqual: (row: T) => boolean): { shown: T[]; equal: number } {
  const shown = rows.filter((row) => !isEqual(row));
  return { shown, equal: rows.length - shown.length };
}

export function equivalenceText(eq: Equivalence): string[] {
  const lines: string[] = [];
  const config = notable(eq.config, (row) => row.status === 'equal');
  lines.push(`Configuration: ${eq.config.length - config.shown.length} of ${eq.config.length} equal`);
  for (const row of config.shown) {
    lines.push(clip(`  ${row.key.padEnd(12)} ${statusWord(row).padEnd(9)} ${row.why ?? ''}`.trimEnd()));
    lines.push(clip(`  ${''.padEnd(12)} Dockerfile: ${row.docker ?? '(not set)'}`));
    lines.push(clip(`  ${''.padEnd(12)} Nix:        ${row.nix ?? '(not set)'}`));
  }
  const files = eq.files;
  const kinds = Object.entries(files.counts)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${count}`);
  lines.push('');
  lines.push(
    clip(
      `Files (${files.scope === 'all' ? 'every path' : `under ${files.roots.join(' ') || 'nothing'}`}): ${files.compared} compared; ${kinds.length ? kinds.join(', ') : 'no difference'}`,
    ),
  );
  if (files.differences.length > 0) {
    const rows = files.differences
      .slice(0, TEXT_DIFFERENCE_LIMIT)
      .map((row: FileRow) => [row.kind, row.expected ? 'expected' : row.inScope ? 'DIFF' : 'outside', row.path]);
    lines.push(...table(['Kind', 'Status', 'Path'], rows, ['left', 'left', 'left']));
    const more = files.differences.length - TEXT_DIFFERENCE_LIMIT + files.omitted;
    if (more > 0) lines.push(`  ... and ${more} more (see --report json)`);
  }
  const p = eq.packages;
  lines.push('');
  lines.push(
    ...wrapWords(
      `Packages: ${p.counts.docker} in the Dockerfile image, ${p.counts.nix} in the Nix image; ${p.counts.both} in both, ${p.counts.dockerOnly} only in the Dockerfile image, ${p.counts.nixOnly} only in the Nix image`,
    ),
  );
  const missing = p.rows.filter((row) => row.status === 'docker-only' && !row.expected);
  if (missing.length > 0) {
    lines.push('  Missing in the Nix image:');
    for (const row of missing.slice(0, PACKAGE_LIMIT))
      lines.push(clip(`    ${row.name} ${row.docker.join(', ')} (${row.ecosystems.join(', ')}; ${row.why ?? ''})`));
  }
  const versions = p.rows.filter((row) => row.status === 'both' && row.expected);
  if (versions.length > 0)
    lines.push(
      ...wrapList(
        '  In both, other versions (Dockerfile / Nix): ',
        versions.slice(0, PACKAGE_LIMIT).map((row) => `${row.name} ${packageVersions(row)}`),
        versions.length,
      ),
    );
  const base = p.rows.filter((row) => row.status === 'docker-only' && row.expected);
  if (base.length > 0)
    lines.push(
      ...wrapList(
        `  Only in the Dockerfile image, from the distribution (${base.length}): `,
        base.slice(0, PACKAGE_LIMIT).map((row) => row.name),
        base.length,
      ),
    );
  const nixOnly = p.rows.filter((row) => row.status === 'nix-only');
  if (nixOnly.length > 0)
    lines.push(
      ...wrapList(
        `  Only in the Nix image (${nixOnly.length}): `,
        nixOnly.slice(0, PACKAGE_LIMIT).map((row) => row.name),
        nixOnly.length,
      ),
    );
  if (eq.smoke) lines.push('', ...smokeText(eq.smoke));
  // Text from the images (paths, names) can be longer than a line: never past 80 columns.
  return lines.map((line) => clip(line));
}

function smokeHeading(smoke: SmokeSection): string {
  const how = smoke.command ? `the command ${smoke.command.join(' ')} (at most ${smoke.seconds} s)` : `each image's own command for ${smoke.seconds} s`;
  const differ = smoke.rows.filter((row) => row.status === 'different' || row.status === 'missing').length;
  return `Smoke run (${smoke.engine}, no network, ${how}): ${differ === 0 ? 'same behaviour' : `${differ} difference${differ === 1 ? '' : 's'}`}`;
}

function smokeStatus(status: string): string {
  return status === 'equal' ? 'equal' : status === 'unknown' ? 'unknown' : 'DIFF';
}

export function smokeText(smoke: SmokeSection): string[] {
  const lines = wrapWords(smokeHeading(smoke));
  for (const row of smoke.rows) {
    lines.push(clip(`  ${row.check.padEnd(14)} ${smokeStatus(row.status)}`));
    lines.push(clip(`  ${''.padEnd(14)} Dockerfile: ${row.docker ?? '(not run)'}`));
    lines.push(clip(`  ${''.padEnd(14)} Nix:        ${row.nix ?? '(not run)'}`));
  }
  for (const image of smoke.images) {
    if (image.output.length === 0) continue;
    lines.push(`  Output of the ${image.image === 'docker' ? 'Dockerfile' : 'Nix'} image (last ${image.output.length} lines):`);
    for (const line of image.output) lines.push(clip(`    ${line}`));
  }
  return lines;
}

function wrapWords(text: string, indent = '  '): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > WIDTH) {
      out.push(line);
      line = `${indent}${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(clip(line));
  return out;
}

function wrapList(head: string, items: string[], total: number): string[] {
  const words = [
    ...items.map((item, index) => (index < items.length - 1 ? `${item},` : item)),
    ...(total > items.length ? [`... (${total - items.length} more)`] : []),
  ];
  const out: string[] = [];
  let line = head.trimEnd();
  for (const word of words) {
    if (line.length + 1 + word.length > WIDTH) {
      out.push(line);
      line = `    ${word}`;
    } else line = `${line} ${word}`;
  }
  out.push(clip(line));
  return out;
}

/** Markdown: the verdict is the caller's; here the three sections, folded. */
export function equivalenceMarkdown(eq: Equivalence, cell: (text: string) => string, code: (text: string) => string): string[] {
  const lines: string[] = [];
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const config = notable(eq.config, (item) => item.status === 'equal');
  lines.push(
    `<details${config.shown.some((item) => item.status === 'different' || item.status === 'missing') ? ' open' : ''}><summary>Configuration: ${eq.config.length - config.shown.length} of ${eq.config.length} equal</summary>`,
    '',
  );
  lines.push(row(['Key', 'Status', 'Dockerfile', 'Nix', 'Why']), '| --- | --- | --- | --- | --- |');
  for (const item of [...config.shown, ...eq.config.filter((entry) => entry.status === 'equal')].slice(0, MARKDOWN_ROWS))
    lines.push(
      row([code(item.key), statusWord(item), item.docker === null ? '—' : code(item.docker), item.nix === null ? '—' : code(item.nix), cell(item.why ?? '')]),
    );
  lines.push('', '</details>', '');
  const files = eq.files;
  const kinds = Object.entries(files.counts)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${count}`);
  lines.push(
    `<details${files.differences.some((item) => item.inScope && !item.expected) ? ' open' : ''}><summary>Files: ${files.compared} compared, ${kinds.length ? kinds.join(', ') : 'no difference'}</summary>`,
    '',
  );
  lines.push(`Compared: ${files.scope === 'all' ? 'every path' : files.roots.map((root) => code(root)).join(', ') || 'nothing'}`, '');
  if (files.differences.length > 0) {
    lines.push(row(['Path', 'Kind', 'Status', 'Dockerfile', 'Nix']), '| --- | --- | --- | --- | --- |');
    for (const item of files.differences.slice(0, MARKDOWN_ROWS))
      lines.push(
        row([
          code(item.path),
          item.kind,
          item.expected ? `expected: ${cell(item.why ?? '')}` : item.inScope ? '**differs**' : 'outside the scope',
          cell(item.docker ?? '—'),
          cell(item.nix ?? '—'),
        ]),
      );
    const more = files.differences.length - MARKDOWN_ROWS + files.omitted;
    if (more > 0) lines.push('', `… and ${more} more (see the JSON report)`);
  }
  lines.push('', '</details>', '');
  const p = eq.packages;
  lines.push(
    `<details><summary>Packages: ${p.counts.both} in both, ${p.counts.dockerOnly} only in the Dockerfile image, ${p.counts.nixOnly} only in the Nix image</summary>`,
    '',
  );
  const listed = [...p.rows.filter((item) => !item.expected), ...p.rows.filter((item) => item.expected)].slice(0, MARKDOWN_ROWS);
  if (listed.length > 0) {
    lines.push(row(['Package', 'Where', 'Dockerfile', 'Nix', 'Note']), '| --- | --- | --- | --- | --- |');
    for (const item of listed)
      lines.push(
        row([
          code(item.name),
          item.status,
          cell(item.docker.join(', ') || '—'),
          cell(item.nix.join(', ') || '—'),
          item.expected ? cell(item.why ?? '') : `**${cell(item.why ?? 'missing')}**`,
        ]),
      );
    if (p.rows.length > listed.length) lines.push('', `… and ${p.rows.length - listed.length} more (see the JSON report)`);
  }
  lines.push('', '</details>', '');
  if (eq.smoke) {
    const smoke = eq.smoke;
    const differs = smoke.rows.some((item) => item.status === 'different' || item.status === 'missing');
    lines.push(`<details${differs ? ' open' : ''}><summary>${cell(smokeHeading(smoke))}</summary>`, '');
    lines.push(row(['Check', 'Status', 'Dockerfile', 'Nix']), '| --- | --- | --- | --- |');
    for (const item of smoke.rows.slice(0, MARKDOWN_ROWS))
      lines.push(
        row([
          cell(item.check),
          item.status === 'different' || item.status === 'missing' ? '**differs**' : item.status,
          cell(item.docker ?? '—'),
          cell(item.nix ?? '—'),
        ]),
      );
    for (const image of smoke.images) {
      if (image.output.length === 0) continue;
      lines.push('', `Output of the ${image.image === 'docker' ? 'Dockerfile' : 'Nix'} image (last ${image.output.length} lines):`, '');
      lines.push('```text', ...image.output.map((line) => line.replace(/```/g, "'''")), '```');
    }
    lines.push('', '</details>', '');
  }
  return lines;
}

/** HTML: one section, three tables; `esc` escapes text from the images. */
export function equivalenceHtml(eq: Equivalence, esc: (text: string) => string): string {
  const tone = eq.verdict.status === 'equivalent' ? 'good' : eq.verdict.status === 'not-equivalent' ? 'bad' : 'warn';
  const cls = (status: string, expected?: boolean) => (status === 'equal' || status === 'both' ? 'ok' : expected || status === 'expected' ? 'warn' : 'bad');
  const config = eq.config
    .map(
      (item) =>
        `<tr class="${cls(item.status)}"><td><code>${esc(item.key)}</code></td><td>${esc(statusWord(item))}</td><td><code>${esc(item.docker ?? '—')}</code></td><td><code>${esc(item.nix ?? '—')}</code></td><td class="detail">${esc(item.why ?? '')}</td></tr>`,
    )
    .join('');
  const files = eq.files.differences
    .slice(0, 500)
    .map(
      (item) =>
        `<tr class="${item.expected ? 'warn' : 'bad'}"><td class="path"><code>${esc(item.path)}</code></td><td>${esc(item.kind)}</td><td>${item.expected ? 'expected' : item.inScope ? 'differs' : 'outside the scope'}</td><td class="detail">${esc(item.docker ?? '—')}</td><td class="detail">${esc(item.nix ?? '—')}</td><td class="detail">${esc(item.why ?? '')}</td></tr>`,
    )
    .join('');
  const packages = eq.packages.rows
    .slice(0, 2000)
    .map(
      (item) =>
        `<tr class="${cls(item.status, item.expected)}"><td><code>${esc(item.name)}</code></td><td>${esc(item.status)}</td><td>${esc(item.docker.join(', ') || '—')}</td><td>${esc(item.nix.join(', ') || '—')}</td><td>${esc(item.ecosystems.join(', '))}</td><td class="detail">${esc(item.why ?? '')}</td></tr>`,
    )
    .join('');
  const kinds =
    Object.entries(eq.files.counts)
      .filter(([, count]) => count > 0)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ') || 'no difference';
  const p = eq.packages.counts;
  return `<section id="equivalence"><h2>Equivalence <span class="badge ${tone}">${esc(eq.verdict.line.replace(/^Verdict: /, ''))}</span></h2>
${eq.verdict.reasons.length ? `<ul class="reasons">${eq.verdict.reasons.map((reason) => `<li>${esc(reason)}</li>`).join('')}</ul>` : ''}
<h3>Configuration</h3><table class="sortable equivalence"><thead><tr><th>Key</th><th>Status</th><th>Dockerfile</th><th>Nix</th><th>Why</th></tr></thead><tbody>${config}</tbody></table>
<h3>Files <span class="muted">(${eq.files.compared} compared under ${esc(eq.files.scope === 'all' ? 'every path' : eq.files.roots.join(' ') || 'nothing')}; ${esc(kinds)})</span></h3>
<input class="filter" type="search" placeholder="Filter files" data-table="equivalence-files">
<table id="equivalence-files" class="sortable"><thead><tr><th>Path</th><th>Kind</th><th>Status</th><th>Dockerfile</th><th>Nix</th><th>Why</th></tr></thead><tbody>${files}</tbody></table>
<h3>Packages <span class="muted">(${p.both} in both, ${p.dockerOnly} only Dockerfile, ${p.nixOnly} only Nix)</span></h3>
<input class="filter" type="search" placeholder="Filter packages" data-table="equivalence-packages">
<table id="equivalence-packages" class="sortable"><thead><tr><th>Package</th><th>Where</th><th>Dockerfile</th><th>Nix</th><th>Ecosystem</th><th>Note</th></tr></thead><tbody>${packages}</tbody></table>
${eq.smoke ? smokeHtml(eq.smoke, esc) : ''}
</section>`;
}

function smokeHtml(smoke: SmokeSection, esc: (text: string) => string): string {
  const cls = (status: string) => (status === 'equal' ? 'ok' : status === 'unknown' ? 'warn' : 'bad');
  const rows = smoke.rows
    .map(
      (item) =>
        `<tr class="${cls(item.status)}"><td>${esc(item.check)}</td><td>${esc(item.status === 'missing' ? 'different' : item.status)}</td><td>${esc(item.docker ?? '—')}</td><td>${esc(item.nix ?? '—')}</td></tr>`,
    )
    .join('');
  const outputs = smoke.images
    .filter((image) => image.output.length > 0)
    .map(
      (image) =>
        `<details><summary>Output of the ${image.image === 'docker' ? 'Dockerfile' : 'Nix'} image (last ${image.output.length} lines)</summary><pre>${esc(image.output.join('\n'))}</pre></details>`,
    )
    .join('');
  return `<h3 id="smoke">${esc(smokeHeading(smoke))}</h3>
<table id="equivalence-smoke" class="equivalence"><thead><tr><th>Check</th><th>Status</th><th>Dockerfile</th><th>Nix</th></tr></thead><tbody>${rows}</tbody></table>${outputs}`;
}
