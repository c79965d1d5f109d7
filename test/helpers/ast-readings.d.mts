/** See ast-readings.mjs. */
export function astReadings(text: string): unknown[];
