import type { Dockerfile } from 'dockerfile-ast';

/** See ast-readings.mjs. */
export function astReadings(text: string, parse?: (text: string) => Dockerfile): unknown[];
