/**
 * nix2container, completed (issue 18): the owners and modes the Dockerfile sets reach the image through `perms`.
 *
 * The layout comparison of the layered format, for nix2container's semantics: the layered root is what
 * extraCommands and fakeRootCommands make (test/helpers/assemble.ts, under fakeroot); the nix2container root is
 * the same extraCommands run as rootFiles' builder, then made store-like (owner root, 0444/0555, folders 0555, as
 * the store keeps them), then the `perms` default.nix gives (evaluated with the stand-ins) applied as
 * nix2container's nix/tar.go applies them: for each file, every entry of its store path whose regex matches the
 * file's store path, in order, sets uid/gid (absent: 0) and, when given, the mode. Every owner must be the same;
 * every mode too, but for one difference the output names in its comment: what no entry names keeps the store's
 * read-only mode (the layered format's `place` gives copied files u+w).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import type { MigrationPlan, OutputFormat } from '../src/convert/types.js';
import { fsContext, readDockerignore } from '../src/io/fs-context.js';
import { loadRules } from '../src/io/rules-files.js';
import { absoluteMode, applySymbolicMode, permsEntries } from '../src/nix/formats/nix2container-perms.js';
import { assemble, renderScripts } from './helpers/assemble.js';
import { shell } from './helpers/shell.js';
import { flakeInputStub, hasTool, nixEvalJson, nixString, repoRoot, stubNixpkgs } from './helpers/tools.js';

const rules = loadRules();
const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-n2c-perms-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('symbolic modes', () => {
  it('are applied as chmod applies them', () => {
    expect(applySymbolicMode(0o644, '+x', false)).toBe(0o755);
    expect(applySymbolicMode(0o644, 'u+x', false)).toBe(0o744);
    expect(applySymbolicMode(0o644, 'go-r', false)).toBe(0o600);
    expect(applySymbolicMode(0o755, 'a=r', false)).toBe(0o444);
    expect(applySymbolicMode(0o644, 'u+rwX', false)).toBe(0o644);
    expect(applySymbolicMode(0o644, 'u+rwX', true)).toBe(0o744);
    expect(applySymbolicMode(0o755, '+t', true)).toBe(0o1755);
    expect(applySymbolicMode(0o644, '+w', false)).toBe(0o644);
    expect(applySymbolicMode(0o644, 'g=u', false)).toBeNull();
  });

  it('become one absolute mode only when that does not depend on the file', () => {
    expect(absoluteMode('600')).toBe('0600');
    expect(absoluteMode('1777')).toBe('1777');
    expect(absoluteMode('+x')).toBe('0755');
    expect(absoluteMode('a+rx')).toBe('0755');
    expect(absoluteMode('u+x')).toBeNull();
    expect(absoluteMode('g+w')).toBeNull();
  });
});

interface Case {
  name: string;
  dockerfile: string;
  files: Record<string, string>;
  /** Paths whose modes the Nix side leaves read-only (the known difference), checked exactly. */
  readOnly: string[];
}

const CASES: Case[] = [
  {
    name: 'owners-and-modes',
    dockerfile: `FROM debian:bookworm-slim
RUN useradd -m -u 1000 appuser && groupadd -g 1500 data
WORKDIR /app
COPY --chown=appuser:appuser src/ ./src/
COPY --chmod=755 entrypoint.sh /usr/local/bin/entrypoint.sh
COPY config.ini /etc/svc/config.ini
RUN mkdir -p /var/lib/svc && chown -R 1000:1500 /var/lib/svc && chmod 750 /var/lib/svc
RUN chmod 600 /etc/svc/config.ini && chown appuser /etc/svc/config.ini
RUN chmod +x /app/src/run.sh
USER appuser
CMD ["/usr/local/bin/entrypoint.sh"]
`,
    files: {
      'src/app.py': 'print(1)\n',
      'src/run.sh': 'python3 app.py\n',
      'src/lib/util.py': 'x = 1\n',
      'entrypoint.sh': '#!/bin/sh\n',
      'config.ini': '[a]\n',
    },
    readOnly: ['app/src/app.py', 'app/src/lib', 'app/src/lib/util.py'],
  },
  {
    name: 'chown-then-copy',
    dockerfile: `FROM debian:bookworm-slim
RUN useradd -u 1001 -m worker
WORKDIR /srv
RUN chown worker /srv
COPY data/ /srv/data/
RUN chown -R worker:worker /srv/data && chmod -R 700 /srv/data/private
CMD ["sleep", "1"]
`,
    files: { 'data/public/a.txt': 'a\n', 'data/private/b.txt': 'b\n' },
    readOnly: ['srv/data/public', 'srv/data/public/a.txt'],
  },
];

function convert(dir: string, source: string, format: OutputFormat): { plan: MigrationPlan; defaultNix: string } {
  const context = fsContext(dir);
  const { plan, files } = convertDockerfile(source, context, rules, {
    shell,
    dockerfilePath: 'Dockerfile',
    format,
    imageName: 'perms',
    contextFromOutput: '..',
    outputInContext: 'nix',
    dockerignore: readDockerignore(context),
  });
  return { plan, defaultNix: files['default.nix'] };
}

interface Perm {
  path: string;
  regex: string;
  mode?: string;
  uid?: number;
  gid?: number;
}

/** The perms default.nix gives, with rootFiles' store path (the stand-ins' runCommand makes it). */
function evaluatedPerms(defaultNix: string, folder: string): { perms: Perm[]; rootFiles: string } {
  const file = path.join(folder, 'nix', 'default.nix');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, defaultNix);
  const result = nixEvalJson(
    `let pkgs = import ${nixString(stubNixpkgs)} { }; image = import ${nixString(file)} { inherit pkgs; nix2container = import ${nixString(flakeInputStub('nix2container'))}; }; in { perms = image.imageArgs.perms or [ ]; }`,
  ) as { perms: Perm[] };
  const roots = [...new Set(result.perms.map((p) => p.path))];
  expect(roots.length).toBeLessThanOrEqual(1);
  return { perms: result.perms, rootFiles: roots[0] ?? '' };
}

/** The nix2container root: rootFiles' script, the store's modes and owner, then perms as nix/tar.go applies them. */
function nix2containerTree(plan: MigrationPlan, contextDir: string, perms: Perm[], rootFiles: string, scratch: string): Map<string, string> {
  const { extra } = renderScripts(plan, contextDir, scratch);
  const root = path.join(scratch, 'rootfiles');
  mkdirSync(root);
  writeFileSync(path.join(scratch, 'rootfiles.sh'), extra);
  execFileSync('bash', ['--norc', '-c', 'set -e; umask 022; cd "$1"; source "$2"', 'bash', root, path.join(scratch, 'rootfiles.sh')]);
  const listing = execFileSync('find', [root, '-mindepth', '1', '-printf', '%P\\t%y %m\\n'], { encoding: 'utf8' });
  const tree = new Map<string, string>();
  for (const line of listing.split('\n').filter(Boolean)) {
    const [rel, info] = line.split('\t') as [string, string];
    const [type, mode] = info.split(' ') as [string, string];
    // The store: folders 0555, executables 0555, other files 0444 (links keep 0777), all owned by root.
    let bits = type === 'l' ? 0o777 : type === 'd' || (parseInt(mode, 8) & 0o111) !== 0 ? 0o555 : 0o444;
    let owner = '0:0';
    for (const perm of perms) {
      if (!new RegExp(perm.regex).test(`${rootFiles}/${rel}`)) continue;
      owner = `${perm.uid ?? 0}:${perm.gid ?? 0}`;
      if (perm.mode) bits = parseInt(perm.mode, 8);
    }
    tree.set(rel, `${type} ${bits.toString(8)} ${owner}`);
  }
  return tree;
}

const runnable = hasTool('nix-instantiate') && hasTool('fakeroot');
if (!runnable) console.warn('SKIP nix2container perms emulation: nix-instantiate and fakeroot are needed');

describe.skipIf(!runnable).each(CASES)('perms of $name', (spec) => {
  const dir = path.join(work, spec.name);
  for (const [file, content] of Object.entries(spec.files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  writeFileSync(path.join(dir, 'Dockerfile'), spec.dockerfile);

  it('give every path the owner, and the mode, the layered format gives it', () => {
    const layered = convert(dir, spec.dockerfile, 'layered');
    const n2c = convert(dir, spec.dockerfile, 'nix2container');
    const assembled = assemble(layered.plan, dir);
    expect(assembled.status, assembled.stderr).toBe(0);
    const { perms, rootFiles } = evaluatedPerms(n2c.defaultNix, dir);
    expect(rootFiles).toMatch(/^\/nix\/store\/.+-image-files$/);
    const scratch = mkdtempSync(path.join(work, 'n2c-'));
    const tree = nix2containerTree(n2c.plan, dir, perms, rootFiles, scratch);

    expect([...tree.keys()].sort()).toEqual([...assembled.entries.keys()].sort());
    const differences: string[] = [];
    const readOnly: string[] = [];
    for (const [p, want] of assembled.entries) {
      const got = tree.get(p)!;
      const [wantType, wantMode, wantOwner] = want.split(' ') as [string, string, string];
      const [, gotMode, gotOwner] = got.split(' ') as [string, string, string];
      if (wantType === 'l') continue;
      if (gotOwner !== wantOwner) differences.push(`/${p}: owner ${gotOwner}, layered ${wantOwner}`);
      if (gotMode === wantMode) continue;
      // The known difference: the store's mode, read-only, where the layered `place` added u+w.
      if (parseInt(gotMode, 8) === (parseInt(wantMode, 8) & ~0o222)) readOnly.push(p);
      else differences.push(`/${p}: mode ${gotMode}, layered ${wantMode}`);
    }
    expect(differences).toEqual([]);
    expect(readOnly.sort()).toEqual([...spec.readOnly].sort());
  });
});

describe('perms entries', () => {
  it('put every mode before every owner, and owners carry the names the image knows', () => {
    const dir = path.join(work, 'entries');
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'src', 'a.py'), 'x\n');
    const source = 'FROM debian:bookworm-slim\nRUN useradd -m -u 1000 app\nCOPY --chown=app:app src/ /app/\nRUN chmod 600 /app/a.py\nUSER app\n';
    const { plan } = convert(dir, source, 'nix2container');
    const { entries, unresolved } = permsEntries(plan);
    expect(unresolved).toEqual([]);
    const firstOwner = entries.findIndex((e) => e.owner);
    expect(entries.slice(firstOwner).every((e) => e.owner && !e.mode)).toBe(true);
    expect(entries.slice(0, firstOwner).every((e) => e.mode && !e.owner)).toBe(true);
    expect(entries.find((e) => e.path === '/app' && e.owner)).toMatchObject({ subtree: true, owner: { uid: 1000, gid: 1000, uname: 'app', gname: 'app' } });
    expect(entries.find((e) => e.path === '/app/a.py')).toMatchObject({ mode: '0600', subtree: false });
  });

  it('leave a mode that depends on the file out, and say so in default.nix', () => {
    const dir = path.join(work, 'unresolved');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'run.sh'), 'x\n');
    const source = 'FROM debian:bookworm-slim\nCOPY run.sh /run.sh\nRUN chmod u+x /run.sh\nCMD ["/run.sh"]\n';
    const { plan, defaultNix } = convert(dir, source, 'nix2container');
    expect(permsEntries(plan).unresolved).toEqual([{ line: 3, path: '/run.sh', mode: 'u+x' }]);
    expect(defaultNix).toContain("# Not carried: chmod u+x of /run.sh (Dockerfile line 3), whose result depends on the file's own mode.");
  });

  it('isolate the packages in a layer of their own, as nix2container examples do', () => {
    const source = readFileSync(path.join(repoRoot, 'fixtures', 'nix2container-node', 'expected', 'default.nix'), 'utf8');
    expect(source).toMatch(/layers = \[\n {4}\(nix2container\.buildLayer \{\n {6}deps = imagePackages;/);
    expect(source).toContain('paths = imagePackages;');
    expect(source).toContain('copyToPodman');
    expect(source).toContain('copyToRegistry');
  });
});
