/** Validators for the SBOM files against the official JSON schemas, offline (see schemas/README.md). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type formats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
// ajv-formats is CommonJS with a default export that the ESM types do not see as callable.
const addFormats = require('ajv-formats') as typeof formats.default;
const cdxDir = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res/schema');
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

export function cycloneDxValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Two formats ajv-formats lacks, checked loosely (nothing dock2nix writes uses them).
  ajv.addFormat('iri-reference', /^\S*$/u);
  ajv.addFormat('idn-email', /^[^@\s]+@[^@\s]+$/u);
  // bom-1.6 refers to its neighbours by their file names; give them those names.
  ajv.addSchema({ ...json(join(cdxDir, 'spdx.SNAPSHOT.schema.json')), $id: 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json' });
  ajv.addSchema({ ...json(join(cdxDir, 'jsf-0.82.SNAPSHOT.schema.json')), $id: 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json' });
  return ajv.compile(json(join(cdxDir, 'bom-1.6.SNAPSHOT.schema.json')));
}

export function spdxValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(json(join(here, 'schemas/spdx-2.3.schema.json')));
}
