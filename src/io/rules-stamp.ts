/**
 * Run by `npm run build`: validates the tables in rules/ and records them with a hash of each file, so that
 * runs whose tables are unchanged skip the validator. Any change to a table invalidates the stamp, and the
 * next run validates that table at start-up as before.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultRulesDir, hashText, stampFile, tableFiles, validateRules, type RulesStamp } from './rules-files.js';

const rules = validateRules(defaultRulesDir);
const stamp: RulesStamp = {
  hashes: Object.fromEntries(tableFiles.map((file) => [file, hashText(readFileSync(path.join(defaultRulesDir, file), 'utf8'))])),
  rules,
};
const tmp = `${stampFile}.${process.pid}.tmp`;
writeFileSync(tmp, JSON.stringify(stamp));
renameSync(tmp, stampFile);
