#!/usr/bin/env node
/**
 * Writes test/nix/nixpkgs-facts.json, the packages of the Nix test stub (test/nix/stub-nixpkgs.nix), from the
 * nixpkgs index in rules/nixpkgs-index (itself made from the facts of a real nixpkgs). JSON because Nix parses it
 * in a few milliseconds, where splitting the index's text in Nix takes seconds.
 *
 *   node scripts/gen-stub-facts.mjs [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const stubFactsFile = path.join(root, 'test/nix/nixpkgs-facts.json');

const records = (text) =>
  text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split('\t'));

/**
 * The stub's facts. Top level: attr → its version (a usable derivation named after its pname, with only `out`),
 * else [flags, pname, version, outputs]. Python: name → [letters (one per set of pythonSets), version, pname?].
 */
export function stubFacts(indexDir = path.join(root, 'rules/nixpkgs-index')) {
  const meta = JSON.parse(readFileSync(path.join(indexDir, 'meta.json'), 'utf8'));
  const top = {};
  for (const [attr, pname, version, flags, outputs] of records(readFileSync(path.join(indexDir, 'top-level.tsv'), 'utf8'))) {
    top[attr] = !flags && !pname && !outputs ? version : [flags, pname || attr, version, outputs ? outputs.split(',') : ['out']];
  }
  const python = {};
  for (const [name, pname, version, letters] of records(readFileSync(path.join(indexDir, 'python.tsv'), 'utf8'))) {
    python[name] = pname ? [letters, version, pname] : [letters, version];
  }
  return `${JSON.stringify({ revision: meta.revision, python3: meta.python3, pythonSets: meta.pythonSets, top, python })}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = stubFacts();
  let current = null;
  try {
    current = readFileSync(stubFactsFile, 'utf8');
  } catch {
    // not written yet
  }
  if (process.argv.includes('--check')) {
    if (current !== text) {
      console.error('test/nix/nixpkgs-facts.json is stale: run `node scripts/gen-stub-facts.mjs`');
      process.exit(1);
    }
    console.log('test/nix/nixpkgs-facts.json is up to date');
  } else if (current === text) {
    console.log('test/nix/nixpkgs-facts.json is already up to date');
  } else {
    writeFileSync(stubFactsFile, text);
    console.log('wrote test/nix/nixpkgs-facts.json');
  }
}
