import { readFileSync } from 'node:fs';
import { packagePath } from './package-root.js';

/** The package version, read once from its package.json. */
export const toolVersion: string = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
