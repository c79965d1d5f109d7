/**
 * The audit as one self-contained HTML file: inline CSS, inline SVG charts and a few lines of inline JavaScript,
 * no network at all (a Content-Security-Policy forbids any fetch). The two images side by side, their layer
 * sizes as charts drawn to one scale, the largest files, wasted space, and the reproducibility verdict.
 * Every piece of text from an image (paths, labels, commands) is escaped.
 */
import { formatBytes, formatPercent, shortCreatedBy } from '../image/render.js';
import { equivalenceHtml } from './render-equivalence.js';
import { groupPaths } from './report.js';
import { formatDifference, formatRatio, formatValue, originLine, SIDE_TITLE, SUMMARY_ROWS, verdictText } from './render-text.js';
import type { AuditImage, AuditReport, Side } from './types.js';

const DIFFERENCE_ROWS = 500;
const CHART_LAYERS = 120;

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const COLOURS: Record<Side, [string, string]> = { docker: ['#2563eb', '#93c5fd'], nix: ['#7c3aed', '#c4b5fd'] };

function layerName(layer: AuditImage['layers'][number]): string {
  const created = shortCreatedBy(layer.createdBy);
  if (created) return created;
  if (layer.storePaths.length > 0) {
    const first = layer.storePaths[0]!.replace(/^\/nix\/store\/[a-z0-9]{32}-/, '');
    return layer.storePaths.length > 1 ? `${first} +${layer.storePaths.length - 1} store paths` : first;
  }
  return `layer ${layer.index}`;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** Horizontal bars, one per layer, all images drawn to the same scale. */
function layerChart(image: AuditImage, scale: number): string {
  const layers = image.layers.slice(0, CHART_LAYERS);
  const rowHeight = 22;
  const labelWidth = 36;
  const width = 600;
  const barSpace = 250;
  const height = Math.max(1, layers.length) * rowHeight + 8;
  const [strong] = COLOURS[image.role];
  const bars = layers
    .map((layer, row) => {
      const y = row * rowHeight + 4;
      const barWidth = scale > 0 ? Math.max(layer.uncompressedBytes > 0 ? 1.5 : 0, (layer.uncompressedBytes / scale) * barSpace) : 0;
      const wasted = image.wasted.filter((file) => file.layer === layer.index).reduce((sum, file) => sum + file.bytes, 0);
      const wastedWidth = scale > 0 ? (wasted / scale) * barSpace : 0;
      const name = layerName(layer);
      return [
        `<g class="bar"><title>${esc(`#${layer.index}  ${formatBytes(layer.uncompressedBytes)}, ${layer.files} files\n${name}`)}</title>`,
        `<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end" class="axis">${layer.index}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${barWidth.toFixed(2)}" height="${rowHeight - 6}" rx="2" fill="${strong}"/>`,
        wastedWidth >= 0.5
          ? `<rect x="${labelWidth}" y="${y}" width="${wastedWidth.toFixed(2)}" height="${rowHeight - 6}" rx="2" fill="#dc2626" opacity="0.85"/>`
          : '',
        `<text x="${(labelWidth + barWidth + 6).toFixed(2)}" y="${y + 14}" class="value">${esc(formatBytes(layer.uncompressedBytes))} · ${esc(truncate(name, 40))}</text>`,
        '</g>',
      ].join('');
    })
    .join('\n');
  const more = image.layers.length > CHART_LAYERS ? `<p class="muted">… ${image.layers.length - CHART_LAYERS} more layers not drawn.</p>` : '';
  return `<svg class="chart" role="img" aria-label="${esc(`Layer sizes of the ${SIDE_TITLE[image.role]} image`)}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">\n${bars}\n</svg>${more}`;
}

/** One bar per image, its layers stacked: the total sizes compared at a glance. */
function totalsChart(images: AuditImage[]): string {
  const max = Math.max(1, ...images.map((image) => image.totals.uncompressedBytes));
  const width = 760;
  const barSpace = 520;
  const rowHeight = 34;
  const rows = images
    .map((image, row) => {
      const y = row * rowHeight + 6;
      let x = 110;
      const [strong, light] = COLOURS[image.role];
      const segments = image.layers
        .map((layer, index) => {
          const w = (layer.uncompressedBytes / max) * barSpace;
          const rect = `<rect x="${x.toFixed(2)}" y="${y}" width="${Math.max(0, w).toFixed(2)}" height="24" fill="${index % 2 === 0 ? strong : light}"><title>${esc(`${SIDE_TITLE[image.role]} layer ${layer.index}: ${formatBytes(layer.uncompressedBytes)}`)}</title></rect>`;
          x += w;
          return rect;
        })
        .join('');
      return `<text x="100" y="${y + 17}" text-anchor="end" class="axis">${esc(SIDE_TITLE[image.role])}</text>${segments}<text x="${(x + 8).toFixed(2)}" y="${y + 17}" class="value">${esc(formatBytes(image.totals.uncompressedBytes))} · ${image.totals.layers} layer${image.totals.layers === 1 ? '' : 's'}</text>`;
    })
    .join('\n');
  return `<svg class="chart totals" role="img" aria-label="Total size of each image, by layer" viewBox="0 0 ${width} ${images.length * rowHeight + 12}" width="100%" preserveAspectRatio="xMinYMin meet">\n${rows}\n</svg>`;
}

function summaryTable(report: AuditReport): string {
  const docker = report.images.find((image) => image.role === 'docker');
  const nix = report.images.find((image) => image.role === 'nix');
  if (report.comparison && docker && nix) {
    const rows = SUMMARY_ROWS.map((spec) => {
      const c = report.comparison!.metrics[spec.metric];
      // Only where less (or, for efficiency, more) is plainly better: sizes and waste.
      const judged = ['uncompressedBytes', 'compressedBytes', 'wastedBytes', 'wastedFiles', 'efficiency'].includes(spec.metric);
      const better =
        !judged || c.difference === null || c.difference === 0 ? '' : (spec.metric === 'efficiency' ? c.difference > 0 : c.difference < 0) ? 'better' : 'worse';
      return `<tr><th scope="row">${esc(spec.title)}</th><td class="num">${esc(formatValue(spec.kind, c.docker))}</td><td class="num">${esc(formatValue(spec.kind, c.nix))}</td><td class="num ${better}">${esc(formatDifference(spec.kind, c))}</td><td class="num">${spec.kind === 'ratio' ? '' : esc(formatRatio(c))}</td></tr>`;
    }).join('\n');
    return `<table class="summary"><thead><tr><th></th><th class="num">Dockerfile</th><th class="num">Nix</th><th class="num">Nix − Docker</th><th class="num">Ratio</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
  }
  const only = report.images[0]!;
  const rows = SUMMARY_ROWS.map(
    (spec) =>
      `<tr><th scope="row">${esc(spec.title)}</th><td class="num">${esc(formatValue(spec.kind, spec.metric === 'layers' ? only.totals.layers : only.totals[spec.metric]))}</td></tr>`,
  ).join('\n');
  return `<table class="summary"><thead><tr><th></th><th class="num">${esc(SIDE_TITLE[only.role])}</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function configList(image: AuditImage): string {
  const c = image.config;
  const items: Array<[string, string]> = [
    ['Platform', [c.os, c.architecture].filter(Boolean).join('/') || '—'],
    ['Created', c.created ?? '—'],
    ['Entrypoint', c.entrypoint ? c.entrypoint.join(' ') : '—'],
    ['Cmd', c.cmd ? c.cmd.join(' ') : '—'],
    ['User', c.user ?? '(default)'],
    ['Workdir', c.workingDir ?? '(default)'],
    ['Ports', c.exposedPorts.join(' ') || '—'],
    ['Env', c.env.join('\n') || '—'],
  ];
  return `<dl class="config">${items.map(([name, value]) => `<dt>${esc(name)}</dt><dd><code>${esc(value)}</code></dd>`).join('')}</dl>`;
}

function imageColumn(image: AuditImage, scale: number): string {
  const t = image.totals;
  const largest = image.largestFiles.slice(0, 10);
  const maxFile = Math.max(1, ...largest.map((file) => file.bytes));
  const files = largest
    .map(
      (file) =>
        `<tr><td class="num" data-value="${file.bytes}">${esc(formatBytes(file.bytes))}</td><td class="num">${file.layer}</td><td class="path"><span class="minibar" style="width:${((file.bytes / maxFile) * 100).toFixed(1)}%"></span><code>${esc(file.path)}</code></td></tr>`,
    )
    .join('\n');
  const wasted = image.wasted
    .slice(0, 15)
    .map(
      (file) =>
        `<tr><td class="num" data-value="${file.bytes}">${esc(formatBytes(file.bytes))}</td><td class="num">${file.layer}</td><td>${file.hiddenBy} ${esc(file.reason)}</td><td class="path"><code>${esc(file.path)}</code></td></tr>`,
    )
    .join('\n');
  const findings = image.findings.length
    ? `<h4>Findings (${image.findings.length})</h4><ul class="findings">${image.findings
        .slice(0, 20)
        .map((f) => `<li>${f.layer !== undefined ? `layer ${f.layer}: ` : ''}${esc(f.message)}</li>`)
        .join('')}</ul>`
    : '';
  return `<section class="image ${image.role}" aria-labelledby="title-${image.role}">
<h2 id="title-${image.role}"><span class="dot"></span>${esc(SIDE_TITLE[image.role])} image</h2>
<p class="label"><code>${esc(image.label)}</code></p>
<p class="muted">${esc(originLine(image))}</p>
<div class="stats">
<div><span class="big">${esc(formatBytes(t.uncompressedBytes))}</span><span>size</span></div>
<div><span class="big">${t.layers}</span><span>layers</span></div>
<div><span class="big">${esc(formatBytes(t.wastedBytes))}</span><span>wasted</span></div>
<div><span class="big">${esc(formatPercent(t.efficiency))}</span><span>efficiency</span></div>
</div>
<h3>Layers</h3>
${layerChart(image, scale)}
<p class="legend"><span class="swatch" style="background:${COLOURS[image.role][0]}"></span>layer tar size <span class="swatch" style="background:#dc2626"></span>wasted (hidden by a later layer)</p>
<h3>Largest files <span class="muted">(${t.visibleFiles} files, ${esc(formatBytes(t.visibleBytes))} visible)</span></h3>
<table class="sortable"><thead><tr><th class="num">Size</th><th class="num">Layer</th><th>Path</th></tr></thead><tbody>
${files}
</tbody></table>
<h3>Wasted space <span class="muted">${esc(formatBytes(t.wastedBytes))} in ${t.wastedFiles} files</span></h3>
${wasted ? `<table class="sortable"><thead><tr><th class="num">Size</th><th class="num">Layer</th><th>Hidden by</th><th>Path</th></tr></thead><tbody>\n${wasted}\n</tbody></table>${t.wastedFiles > 15 ? `<p class="muted">… and ${t.wastedFiles - 15} more</p>` : ''}` : '<p class="ok">No wasted space: every file of every layer is visible.</p>'}
<h3>Config</h3>
${configList(image)}
${findings}
</section>`;
}

function reproSection(report: AuditReport): string {
  const repro = report.reproducibility;
  if (!repro) return '';
  const verdict = verdictText(report);
  const tone = repro.identical ? 'good' : repro.identicalIgnoringTimestamps ? 'warn' : 'bad';
  const checks = repro.images
    .map((check) => {
      const counts = Object.entries(check.counts)
        .filter(([, count]) => count > 0)
        .map(([kind, count]) => `${kind} ${count}`);
      if (check.configDifferences) counts.push(`config ${check.configDifferences}`);
      const result = check.identical ? 'identical' : check.identicalIgnoringTimestamps ? 'only time stamps differ' : 'differs';
      const paths = repro.differences.filter((d) => d.image === check.image && d.kind !== 'mtime').map((d) => d.path);
      const still = paths.length
        ? `<p>Still differs: ${groupPaths(paths)
            .map((p) => `<code>${esc(p)}</code>`)
            .join(', ')}</p>`
        : '';
      const hints = check.hints.length ? `<ul class="hints">${check.hints.map((hint) => `<li>${esc(hint)}</li>`).join('')}</ul>` : '';
      return `<div class="check ${check.identical ? 'good' : 'bad'}"><h3>${esc(SIDE_TITLE[check.image])}: ${esc(result)}</h3><p class="muted">${esc(check.method)}${counts.length ? ` · ${esc(counts.join(', '))}` : ''}</p>${still}${hints}</div>`;
    })
    .join('\n');
  const rows = repro.differences
    .slice(0, DIFFERENCE_ROWS)
    .map(
      (d) =>
        `<tr><td>${esc(d.image)}</td><td class="num">${d.layer}</td><td>${esc(d.kind)}</td><td class="path"><code>${esc(d.path || '(whole layer)')}</code></td><td class="detail">${esc([d.detail, d.a !== undefined || d.b !== undefined ? `${d.a ?? '∅'} → ${d.b ?? '∅'}` : ''].filter(Boolean).join(': '))}</td></tr>`,
    )
    .join('\n');
  const table = repro.differences.length
    ? `<h3>File differences (${repro.differences.length}${repro.ignoreTimestamps ? ', time stamps left out' : ''})</h3>
<input type="search" class="filter" placeholder="Filter differences by path or kind" aria-label="Filter differences" data-table="differences">
<table id="differences" class="sortable"><thead><tr><th>Image</th><th class="num">Layer</th><th>Kind</th><th>Path</th><th>A → B</th></tr></thead><tbody>
${rows}
</tbody></table>${repro.differences.length > DIFFERENCE_ROWS ? `<p class="muted">… and ${repro.differences.length - DIFFERENCE_ROWS} more (see the JSON report).</p>` : ''}`
    : '';
  const config = repro.configDifferences.length
    ? `<details><summary>Config differences (${repro.configDifferences.length})</summary><table><thead><tr><th>Image</th><th>Kind</th><th>Key</th><th>A → B</th></tr></thead><tbody>${repro.configDifferences
        .slice(0, 200)
        .map(
          (d) =>
            `<tr><td>${esc(d.image)}</td><td>${esc(d.kind)}</td><td><code>${esc(d.key)}</code></td><td class="detail">${esc(`${d.a ?? '∅'} → ${d.b ?? '∅'}`)}</td></tr>`,
        )
        .join('')}</tbody></table></details>`
    : '';
  return `<section id="reproducibility"><h2>Reproducibility <span class="badge ${tone}">${esc(verdict)}</span></h2>\n${checks}\n${table}\n${config}</section>`;
}

function gatesSection(report: AuditReport): string {
  if (report.gates.length === 0) return '';
  const failed = report.gates.filter((gate) => !gate.passed).length;
  return `<section id="gates"><h2>Gates <span class="badge ${failed ? 'bad' : 'good'}">${failed ? `${failed} failed` : 'all passed'}</span></h2><ul class="gates">${report.gates
    .map(
      (gate) =>
        `<li class="${gate.passed ? 'good' : 'bad'}"><strong>${gate.passed ? 'PASS' : 'FAIL'}</strong> <code>${esc(gate.rule)}</code> — ${esc(gate.detail)}</li>`,
    )
    .join('')}</ul></section>`;
}

const STYLE = `
:root{--bg:#fff;--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--card:#f9fafb;--good:#15803d;--bad:#b91c1c;--warn:#b45309;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0b0f17;--fg:#e5e7eb;--muted:#9ca3af;--line:#1f2937;--card:#111827;--good:#4ade80;--bad:#f87171;--warn:#fbbf24}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:1280px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 10px}h3{font-size:15px;margin:18px 0 8px}h4{margin:12px 0 4px}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.muted{color:var(--muted)}.ok{color:var(--good)}
header{margin-bottom:18px}.badges{display:flex;gap:8px;flex-wrap:wrap;margin-top:10px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:600;border:1px solid currentColor;vertical-align:middle}
.badge.good{color:var(--good)}.badge.bad{color:var(--bad)}.badge.warn{color:var(--warn)}.badge.info{color:var(--muted)}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;margin-bottom:18px}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:18px;margin-bottom:18px}.sides section{margin:0;min-width:0}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:8px}.docker .dot{background:#2563eb}.nix .dot{background:#7c3aed}
.stats{display:grid;grid-template-columns:repeat(4,1fr);gap:8px;margin:10px 0}.stats div{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:8px;text-align:center}
.stats .big{display:block;font-size:18px;font-weight:700}.stats span:last-child{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600}.num{text-align:right;white-space:nowrap}td.path{position:relative}td.detail{font-size:12px;color:var(--muted);word-break:break-all}
table.sortable th{cursor:pointer;user-select:none}table.sortable th:hover{text-decoration:underline}
.summary td.better{color:var(--good);font-weight:600}.summary td.worse{color:var(--bad);font-weight:600}
.minibar{position:absolute;left:0;top:3px;bottom:3px;background:#7c3aed22;border-radius:2px;z-index:0}.path code{position:relative;z-index:1}
svg.chart{display:block;max-width:100%;height:auto;margin:6px 0}svg .axis{font-size:11px;fill:var(--muted)}svg .value{font-size:11px;fill:var(--fg)}svg .bar:hover rect{opacity:.8}
.legend{font-size:12px;color:var(--muted)}.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:middle}
dl.config{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dt{color:var(--muted)}dd{margin:0;white-space:pre-wrap}
.check{border-left:4px solid var(--line);padding:4px 12px;margin:10px 0}.check.good{border-color:var(--good)}.check.bad{border-color:var(--bad)}.check h3{margin:4px 0}
ul.hints li{margin:2px 0}ul.gates{list-style:none;padding:0}ul.gates li{padding:4px 0}li.good strong{color:var(--good)}li.bad strong{color:var(--bad)}
input.filter{width:100%;max-width:420px;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);margin:4px 0}
p.verdict{font-size:16px;margin:0 0 8px;padding:8px 12px;border-radius:8px;border:1px solid currentColor}p.verdict.equivalent{color:var(--good)}p.verdict.not-equivalent{color:var(--bad)}p.verdict.equivalent-with-expected-differences{color:var(--warn)}
table.equivalence tr.bad td:nth-child(2),#equivalence-files tr.bad td:nth-child(3),#equivalence-packages tr.bad td:nth-child(2){color:var(--bad);font-weight:600}tr.warn td:nth-child(2){color:var(--warn)}
footer{color:var(--muted);font-size:12px;text-align:center;padding:12px}
@media (max-width:720px){.stats{grid-template-columns:repeat(2,1fr)}.sides{grid-template-columns:1fr}}
`;

const SCRIPT = `
(function () {
  'use strict';
  function key(cell) {
    var v = cell.getAttribute('data-value');
    if (v !== null) return Number(v);
    var t = cell.textContent || '';
    return /^-?\\d+(\\.\\d+)?$/.test(t.trim()) ? Number(t) : t.toLowerCase();
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('thead th').forEach(function (th, column) {
      th.setAttribute('title', 'Sort by this column');
      th.addEventListener('click', function () {
        var body = table.tBodies[0];
        if (!body) return;
        var descending = th.getAttribute('data-sort') !== 'desc';
        table.querySelectorAll('thead th').forEach(function (other) { other.removeAttribute('data-sort'); });
        th.setAttribute('data-sort', descending ? 'desc' : 'asc');
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[column]), y = key(b.cells[column]);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  document.querySelectorAll('input.filter').forEach(function (input) {
    var table = document.getElementById(input.getAttribute('data-table'));
    if (!table || !table.tBodies[0]) return;
    input.addEventListener('input', function () {
      var needle = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = needle !== '' && (row.textContent || '').toLowerCase().indexOf(needle) === -1;
      });
    });
  });
})();
`;

export function renderAuditHtml(report: AuditReport): string {
  const scale = Math.max(1, ...report.images.flatMap((image) => image.layers.map((layer) => layer.uncompressedBytes)));
  const badges: string[] = [];
  if (report.comparison)
    badges.push(
      `<span class="badge ${report.comparison.nixSmaller ? 'good' : 'bad'}">${report.comparison.nixSmaller ? 'Nix image smaller' : 'Nix image not smaller'}</span>`,
    );
  if (report.reproducibility) {
    const r = report.reproducibility;
    badges.push(
      `<span class="badge ${r.identical ? 'good' : r.identicalIgnoringTimestamps ? 'warn' : 'bad'}">Reproducibility: ${esc(verdictText(report))}</span>`,
    );
  }
  if (report.gates.length) {
    const failed = report.gates.filter((gate) => !gate.passed).length;
    badges.push(`<span class="badge ${failed ? 'bad' : 'good'}">Gates: ${failed ? `${failed} failed` : 'all passed'}</span>`);
  }
  const title = `dock2nix audit${report.dockerfile ? `: ${report.dockerfile}` : ''}`;
  const conversion = report.conversion
    ? `<p class="muted">Converted from the Dockerfile: ${report.conversion.summary.mapped} mapped, ${report.conversion.summary.approximated} approximated, ${report.conversion.summary.manual} manual, ${report.conversion.summary.ignored} ignored${report.conversion.savedTo ? ` (Nix in <code>${esc(report.conversion.savedTo)}</code>)` : ''}.</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="dock2nix ${esc(report.tool.version)}">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
${report.equivalence ? `<p id="verdict" class="verdict ${report.equivalence.verdict.status}"><strong>${esc(report.equivalence.verdict.line)}</strong></p>` : ''}
<h1>${esc(title)}</h1>
${report.comparison ? `<p>${esc(report.comparison.summary)}</p>` : ''}
${conversion}
<div class="badges">${badges.join('')}</div>
</header>
<section id="summary">
<h2>Side by side</h2>
${totalsChart(report.images)}
${summaryTable(report)}
</section>
<div class="sides">
${report.images.map((image) => imageColumn(image, scale)).join('\n')}
</div>
${report.equivalence ? equivalenceHtml(report.equivalence, esc) : ''}
${reproSection(report)}
${gatesSection(report)}
<footer>dock2nix ${esc(report.tool.version)} · sizes are layer tars as stored uncompressed; wasted space is file content that a later layer hides</footer>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
