/**
 * The image root without Nix: the generated extraCommands and fakeRootCommands, with every store path replaced
 * by a local folder holding what the plan says it contains, run by bash (the owners under fakeroot, which prints
 * the owners it pretended to set with `find -printf` inside the same session).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MigrationPlan } from '../../src/convert/types.js';
import type { NixExpr, StringPart } from '../../src/nix/ast.js';
import { layerScriptNodes, ownerScriptNodes } from '../../src/nix/layer-script.js';
import { printShell } from '../../src/nix/shell.js';

/** Text of a Nix string node made only of text. */
function stringText(expr: NixExpr | undefined): string {
  if (!expr || expr.kind !== 'string' || expr.parts.some((p) => typeof p !== 'string')) throw new Error(`not a plain string: ${JSON.stringify(expr)}`);
  return expr.parts.join('');
}

/** The scripts as bash text, each store path a folder under `work` (made as the plan describes). */
export function renderScripts(plan: MigrationPlan, contextDir: string, work: string): { extra: string; fakeRoot: string } {
  let counter = 0;
  const resolve = (expr: NixExpr): string => {
    if (expr.kind === 'apply' && expr.fn.kind === 'id' && expr.fn.name === 'fromContext') {
      // builtins.path copies it to a store path named "source": the context's file name never reaches the script.
      const copy = path.join(work, `source-${counter++}`);
      cpSync(path.join(contextDir, stringText(expr.args[0])), copy, { recursive: true });
      return copy;
    }
    if (expr.kind === 'id') {
      const folder = path.join(work, `drv-${expr.name}`);
      for (const file of plan.image.files) {
        if (file.source.kind !== 'derivation' || file.source.derivation !== expr.name) continue;
        const target = path.join(folder, file.source.path);
        if (file.source.directory || file.source.path === '.') {
          mkdirSync(target, { recursive: true });
          writeFileSync(path.join(target, 'built-file'), 'placeholder\n');
        } else {
          mkdirSync(path.dirname(target), { recursive: true });
          writeFileSync(target, 'placeholder\n');
        }
      }
      mkdirSync(folder, { recursive: true });
      return folder;
    }
    if (expr.kind === 'apply' && expr.fn.kind === 'select' && expr.fn.path.join('.') === 'writeText') {
      const file = path.join(work, `text-${counter++}`);
      writeFileSync(file, stringText(expr.args[1]));
      return file;
    }
    if (expr.kind === 'select') {
      const folder = path.join(work, `pkg-${expr.path.join('.')}`);
      mkdirSync(folder, { recursive: true });
      return folder;
    }
    throw new Error(`no stand-in for ${JSON.stringify(expr)}`);
  };
  const text = (parts: StringPart[]) => parts.map((p) => (typeof p === 'string' ? p : resolve(p))).join('');
  return { extra: text(printShell(layerScriptNodes(plan))), fakeRoot: text(printShell(ownerScriptNodes(plan))) };
}

export interface Assembled {
  root: string;
  /** path (relative to the root) → `type mode uid:gid` as fakeroot saw it (type: f, d or l). */
  entries: Map<string, string>;
  extra: string;
  fakeRoot: string;
  stderr: string;
  status: number | null;
}

/** Run both scripts in a fresh root; `errexit` as stdenv runs them (set -e), or not (every line runs). */
export function assemble(plan: MigrationPlan, contextDir: string, options: { errexit?: boolean; env?: Record<string, string> } = {}): Assembled {
  const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-assemble-'));
  const root = path.join(work, 'root');
  mkdirSync(root);
  const { extra, fakeRoot } = renderScripts(plan, contextDir, work);
  writeFileSync(path.join(work, 'extra.sh'), extra);
  writeFileSync(path.join(work, 'fakeroot.sh'), fakeRoot);
  const set = options.errexit === false ? '' : 'set -e; ';
  const listing = "find . -mindepth 1 -printf '%P\\t%y %m %U:%G\\n'";
  const inner = `${set}cd ${JSON.stringify(root)}; source ../extra.sh; source ../fakeroot.sh; ${listing}`;
  const run = spawnSync('fakeroot', ['bash', '--norc', '--noprofile', '-c', inner], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
  });
  const entries = new Map<string, string>();
  for (const line of run.stdout.split('\n').filter(Boolean)) {
    const [name, info] = line.split('\t');
    entries.set(name!, info!);
  }
  return { root, entries, extra, fakeRoot, stderr: run.stderr, status: run.status };
}
