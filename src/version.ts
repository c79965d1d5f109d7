import { packageManifest } from './package-root.js';

/** The package version, from its package.json. */
export const toolVersion: string = packageManifest().version;
