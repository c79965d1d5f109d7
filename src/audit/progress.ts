/**
 * Live progress while building: each phase, then every line the engine prints, prefixed with the time elapsed
 * since the audit started. It goes to stderr (stdout is for the report), and only when asked to be shown.
 */

export interface Progress {
  readonly enabled: boolean;
  /** A new phase: `building the Dockerfile image with buildah`. */
  phase(text: string): void;
  /** One line of a tool's output. */
  line(source: string, text: string): void;
  /** A phase is over: `built in 12.3 s`. */
  note(text: string): void;
  /** Seconds since the start. */
  elapsed(): number;
}

export interface ProgressOptions {
  enabled: boolean;
  write: (text: string) => void;
  /** Clip lines to this many columns (a terminal's width); null leaves them whole. */
  width: number | null;
  now?: () => number;
}

const CONTROL = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|[\x00-\x08\x0b-\x1f\x7f]/g;

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now() / 1000);
  const start = now();
  const elapsed = (): number => now() - start;
  const stamp = (): string => `${elapsed().toFixed(1).padStart(6)}s`;
  const emit = (text: string): void => {
    if (!options.enabled) return;
    const clean = text.replace(CONTROL, '');
    const clipped = options.width && clean.length > options.width ? `${clean.slice(0, options.width - 3)}...` : clean;
    options.write(`${clipped}\n`);
  };
  return {
    enabled: options.enabled,
    phase: (text) => emit(`${stamp()}  == ${text}`),
    line: (source, text) => {
      if (text.trim() !== '') emit(`${stamp()}  ${source.padEnd(9)} ${text}`);
    },
    note: (text) => emit(`${stamp()}  == ${text}`),
    elapsed,
  };
}
