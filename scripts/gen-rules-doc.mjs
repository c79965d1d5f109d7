#!/usr/bin/env node
/**
 * Regenerates docs/rules.md from the tables in rules/ (the generator is src/rules/doc.ts; this script uses the
 * built copy in dist/, so run `npm run build` first). `--check` changes nothing and exits 1 when the file is stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist/rules');
if (!existsSync(path.join(dist, 'doc.js'))) {
  console.error('gen-rules-doc: dist/rules/doc.js is missing; run `npm run build` first');
  process.exit(1);
}
const { renderRulesDoc, RULES_DOC_PATH } = await import(pathToFileURL(path.join(dist, 'doc.js')).href);
const { loadRules } = await import(pathToFileURL(path.join(root, 'dist/io/rules-files.js')).href);

const target = path.join(root, RULES_DOC_PATH);
const text = renderRulesDoc(loadRules());
const current = existsSync(target) ? readFileSync(target, 'utf8') : null;
if (process.argv.includes('--check')) {
  if (current === text) {
    console.log(`${RULES_DOC_PATH} is up to date`);
  } else {
    console.error(`${RULES_DOC_PATH} is stale: run \`npm run build && node scripts/gen-rules-doc.mjs\``);
    process.exit(1);
  }
} else if (current === text) {
  console.log(`${RULES_DOC_PATH} is already up to date`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${RULES_DOC_PATH}`);
}
