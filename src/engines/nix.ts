/**
 * The Nix side: build a Nix expression (nix-build) or a flake (nix build) into an image, and find the image
 * archive in the result: a `.tar.gz` / `.tar.zst` / `.tar` file (dockerTools buildImage, buildLayeredImage), or
 * the script streamLayeredImage makes, which is run to write the archive. All commands are argv arrays.
 */
import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { Dock2nixError } from '../errors.js';
import { query, toolExists, type ToolCommand } from './process.js';

export interface NixTarget {
  /** `file`: nix-build on a .nix file; `flake`: nix build on a flake folder. */
  kind: 'file' | 'flake';
  /** Absolute path of the .nix file, or of the flake's folder. */
  path: string;
  /** `-A attr` for a file; the flake output attribute (`packages.x86_64-linux.default`, or just `default`). */
  attr?: string;
}

export interface NixBuildOptions {
  /** `--builders`: remote builders, in Nix's own syntax. NIX_REMOTE and NIX_PATH pass through the environment. */
  builders?: string;
  /** Extra `--option NAME VALUE` pairs. */
  options: Array<[string, string]>;
  /** Build for this Nix system (`x86_64-linux`), from --platform. */
  system?: string;
}

const FLAKE_FEATURES = ['--extra-experimental-features', 'nix-command flakes'];
/** An audit never writes into the user's flake: a missing or stale lock is computed, not saved. */
const NO_LOCK_WRITE = '--no-write-lock-file';

/** From what the user named (a .nix file, a flake.nix, or a folder holding default.nix or flake.nix) to a target. */
export async function resolveNixTarget(given: string, attr?: string): Promise<NixTarget> {
  const absolute = path.resolve(given);
  let info;
  try {
    info = await stat(absolute);
  } catch {
    throw new Dock2nixError('E_NOT_FOUND', 'no such Nix file or folder', { file: given });
  }
  if (info.isDirectory()) {
    if (await exists(path.join(absolute, 'default.nix'))) return { kind: 'file', path: path.join(absolute, 'default.nix'), ...(attr ? { attr } : {}) };
    if (await exists(path.join(absolute, 'flake.nix'))) return { kind: 'flake', path: absolute, ...(attr ? { attr } : {}) };
    throw new Dock2nixError('E_INPUT', 'holds neither default.nix nor flake.nix', { file: given });
  }
  if (path.basename(absolute) === 'flake.nix') return { kind: 'flake', path: path.dirname(absolute), ...(attr ? { attr } : {}) };
  return { kind: 'file', path: absolute, ...(attr ? { attr } : {}) };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** A `path:` flake reference: characters that mean something in a flake URL are percent-encoded. */
export function flakeRef(target: NixTarget): string {
  const encoded = target.path.replace(/[%#?\s"<>\\^`{|}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `path:${encoded}${target.attr ? `#${target.attr}` : ''}`;
}

function commonFlags(options: NixBuildOptions): string[] {
  return [
    ...(options.builders !== undefined ? ['--builders', options.builders] : []),
    ...(options.system ? ['--option', 'system', options.system] : []),
    ...options.options.flatMap(([name, value]) => ['--option', name, value]),
  ];
}

/** Build, leaving `outLink` pointing at the result (a GC root for as long as it exists). */
export function nixBuildCommand(target: NixTarget, outLink: string, options: NixBuildOptions): ToolCommand {
  if (target.kind === 'flake') {
    return {
      file: 'nix',
      args: [...FLAKE_FEATURES, 'build', NO_LOCK_WRITE, '--print-build-logs', '--out-link', outLink, ...commonFlags(options), flakeRef(target)],
    };
  }
  return { file: 'nix-build', args: [target.path, ...(target.attr ? ['-A', target.attr] : []), '--out-link', outLink, ...commonFlags(options)] };
}

/**
 * Rebuild and compare with the first build (`nix-build --check`, `nix build --rebuild`). When the outputs differ
 * Nix keeps the second one next to the first as `<output>.check` (`run-diff-hook` asks it to, without keeping
 * the build folder as --keep-failed would) and exits non-zero.
 */
export function nixCheckCommand(target: NixTarget, options: NixBuildOptions): ToolCommand {
  const keep = ['--option', 'run-diff-hook', 'true'];
  if (target.kind === 'flake') {
    return {
      file: 'nix',
      args: [...FLAKE_FEATURES, 'build', NO_LOCK_WRITE, '--rebuild', '--print-build-logs', '--no-link', ...keep, ...commonFlags(options), flakeRef(target)],
    };
  }
  return { file: 'nix-build', args: [target.path, ...(target.attr ? ['-A', target.attr] : []), '--check', '--no-out-link', ...keep, ...commonFlags(options)] };
}

export type CheckOutcome = { kind: 'same' } | { kind: 'differs'; first: string; second: string | null } | { kind: 'failed'; line: string };

/** What `nix-build --check` said. */
export function checkOutcome(exitCode: number, lines: readonly string[]): CheckOutcome {
  if (exitCode === 0) return { kind: 'same' };
  const text = lines.join('\n');
  const differs = /output '([^']+)' differs from '([^']+)'/.exec(text);
  if (differs) return { kind: 'differs', first: differs[1]!, second: differs[2]! };
  const notDeterministic = /may not be deterministic: output '([^']+)' differs/.exec(text);
  if (notDeterministic) return { kind: 'differs', first: notDeterministic[1]!, second: null };
  return {
    kind: 'failed',
    line:
      lines
        .filter((line) => /error:/.test(line))
        .pop()
        ?.trim() ??
      lines[lines.length - 1]?.trim() ??
      '',
  };
}

/** Is Nix there (and, when the expression needs it, nixpkgs)? Throws the one line the user needs. */
export async function checkNix(target: NixTarget | null, needsNixpkgs: boolean): Promise<void> {
  const program = target?.kind === 'flake' ? 'nix' : 'nix-build';
  if (!(await toolExists(program))) {
    throw new Dock2nixError('E_ENGINE', `Nix is not installed (${program} is not on PATH)`, {
      hint: 'install Nix, or build the Nix image elsewhere and pass it with --nix-archive',
    });
  }
  if (needsNixpkgs && target?.kind !== 'flake') {
    const found = await query({ file: 'nix-instantiate', args: ['--find-file', 'nixpkgs'] }, 60_000);
    if (!found) {
      throw new Dock2nixError('E_ENGINE', 'nixpkgs is not available: <nixpkgs> is not in the Nix search path, and the generated default.nix imports it', {
        hint: 'set NIX_PATH=nixpkgs=/path/to/nixpkgs or add a channel, or pass --nix-archive',
      });
    }
  }
}

export type NixResult = { kind: 'archive'; path: string } | { kind: 'stream'; script: string };

/** What a Nix build produced: an image archive, or a script that streams one (streamLayeredImage). */
export async function classifyResult(outLink: string): Promise<NixResult> {
  let real: string;
  try {
    real = await realpath(outLink);
  } catch {
    throw new Dock2nixError('E_ENGINE', 'the Nix build left no result', { file: outLink });
  }
  const info = await stat(real);
  if (info.isDirectory()) {
    throw new Dock2nixError('E_ENGINE', `the Nix result ${real} is a folder, not an image archive`, {
      hint: 'build a dockerTools image (buildLayeredImage, buildImage or streamLayeredImage), or pick it with --nix-attr',
    });
  }
  const head = Buffer.alloc(64);
  const handle = await open(real, 'r');
  let read = 0;
  try {
    read = (await handle.read(head, 0, head.length, 0)).bytesRead;
  } finally {
    await handle.close();
  }
  const start = head.subarray(0, read).toString('latin1');
  if (start.startsWith('#!')) {
    if ((info.mode & 0o111) === 0) throw new Dock2nixError('E_ENGINE', `the Nix result ${real} is a script but not executable`);
    return { kind: 'stream', script: real };
  }
  if (/^\s*\{/.test(start)) {
    throw new Dock2nixError('E_ENGINE', `the Nix result ${real} is JSON (a nix2container image?), not an image archive`, {
      hint: 'convert with --builder layered or stream, or copy the image out with its copyTo script and pass --nix-archive',
    });
  }
  return { kind: 'archive', path: real };
}

/** Docker's platform names to Nix systems: linux/amd64 → x86_64-linux. */
export function nixSystem(platform: string): string {
  const match = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/.exec(platform);
  if (!match) throw new Dock2nixError('E_USAGE', `--platform ${JSON.stringify(platform)} is not of the form os/arch[/variant]`);
  const [, os, arch, variant] = match;
  const cpu: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64', '386': 'i686', riscv64: 'riscv64', ppc64le: 'powerpc64le', s390x: 's390x' };
  if (arch === 'arm') {
    if (variant === 'v7' || variant === undefined) return `armv7l-${os}`;
    if (variant === 'v6') return `armv6l-${os}`;
  }
  const nixCpu = cpu[arch!];
  if (!nixCpu) throw new Dock2nixError('E_USAGE', `--platform ${platform}: no Nix system is known for the architecture ${arch}`);
  return `${nixCpu}-${os}`;
}
