/**
 * RUN chmod, chown and rm of what COPY placed (issue 13), checked on the assembled root: the generated
 * extraCommands and fakeRootCommands run under fakeroot with local folders for the store paths.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { fsContext } from '../src/io/fs-context.js';
import { loadRules } from '../src/io/rules-files.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { assemble } from './helpers/assemble.js';
import { repoRoot, requireTool } from './helpers/tools.js';
import { shell } from './helpers/shell.js';

const rules = loadRules();

function convert(dockerfile: string, files: Record<string, string> = {}) {
  return convertDockerfile(dockerfile, memoryContext(files), rules, {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'x',
    contextFromOutput: '.',
    outputInContext: null,
  });
}

const statusOf = (plan: ReturnType<typeof convert>['plan'], line: number) => plan.instructions.find((i) => i.line === line)!;

describe('the file-permissions fixture, assembled', () => {
  it('keeps copied files files, with the modes and numeric owners the Dockerfile set, and without the removed ones', () => {
    if (!requireTool('fakeroot', 'assembling the image root')) return;
    const dir = path.join(repoRoot, 'fixtures/file-permissions');
    const { plan } = convertDockerfile(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), fsContext(dir), rules, {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'x',
      contextFromOutput: '.',
      outputInContext: 'expected',
    });
    const root = assemble(plan, dir);
    expect(root.stderr).toBe('');
    expect(root.status).toBe(0);
    // chmod +x of a copied script: still a file, now executable (was 644 in the context).
    expect(root.entries.get('app/entry_point.sh')).toMatch(/^f 7[0-7][0-7] 0:0$/);
    // chown nobody /app: the user changes, the group stays root's; what is inside keeps its owner.
    expect(root.entries.get('app')).toMatch(/^d \d+ 65534:0$/);
    expect(root.entries.get('app/app.py')).toMatch(/^f \d+ 0:0$/);
    // chown -R nextjs:nodejs with the ids adduser/addgroup gave them.
    expect(root.entries.get('app/data')).toMatch(/^d \d+ 1001:1001$/);
    expect(root.entries.get('app/data/seed.txt')).toMatch(/^f \d+ 1001:1001$/);
    // rm of a placed file (not placed at all) and of a file inside a placed folder (removed at assembly).
    expect(root.entries.has('app/config/settings.py')).toBe(false);
    expect(root.entries.has('app/notes.md')).toBe(false);
    // echo ok > f && chmod 600 f: a file with that text and mode (not a folder named f), and the line is mapped.
    expect(root.entries.get('app/health')).toMatch(/^f 600 0:0$/);
    expect(statusOf(plan, 14).status).toBe('mapped');
    expect(plan.image.users!.passwd).toContain('worker:x:1000:0::/home/worker:/bin/sh');
  });
});

describe('RUN chmod and chown', () => {
  it('changes a file copied into a folder without making a folder of it', () => {
    const { plan } = convert('FROM debian:12\nCOPY . /app\nRUN chmod 0755 /app/run.sh && chmod u+x,go-w /app/run.sh\n', { 'run.sh': 'x' });
    expect(plan.image.directories.map((d) => d.path)).not.toContain('/app/run.sh');
    expect(plan.image.pathChanges.map((c) => c.change)).toEqual([
      { kind: 'mode', mode: '0755' },
      { kind: 'mode', mode: 'u+x,go-w' },
    ]);
    expect(statusOf(plan, 3).status).toBe('mapped');
  });

  it("refuses a mode outside chmod's grammar, and a path nothing places", () => {
    for (const mode of ['7777x', '$(id)', '755;id', "u+x'", '8', 'u+x\nid']) {
      const { plan, files } = convert(`FROM debian:12\nCOPY . /app\nRUN ${JSON.stringify(['chmod', mode, '/app/run.sh'])}\n`, { 'run.sh': 'x' });
      expect(statusOf(plan, 3).status, mode).toBe('manual');
      expect(plan.image.pathChanges, mode).toEqual([]);
      // Named only in the TODO(dock2nix) marker comment; never in the Nix or the scripts.
      expect(
        files['default.nix']
          .split('\n')
          .filter((l) => !/^\s*# TODO\(dock2nix\): /.test(l))
          .join('\n'),
        mode,
      ).not.toContain('id');
    }
    expect(statusOf(convert('FROM debian:12\nRUN chmod +x /usr/bin/tool\n').plan, 2).status).toBe('manual');
    expect(statusOf(convert(`FROM debian:12\nRUN ${JSON.stringify(['mkdir', '-m', '7;id', '/d'])}\n`).plan, 2).status).toBe('manual');
  });

  it('writes numeric owners: users and groups of the Dockerfile, root, nobody, distroless nonroot; an unknown name is manual', () => {
    const base = 'FROM debian:12\nCOPY . /srv\n';
    const owner = (run: string) => convert(`${base}${run}\n`, { a: 'x' }).plan;
    expect(owner('RUN groupadd -g 2000 web && useradd -u 2001 -g web app && chown -R app:web /srv').image.pathChanges.at(-1)!.change).toEqual({
      kind: 'owner',
      owner: '2001:2000',
    });
    expect(owner('RUN chown root:root /srv/a').image.pathChanges[0]!.change).toEqual({ kind: 'owner', owner: '0:0' });
    expect(owner('RUN chown nobody: /srv/a').image.pathChanges[0]!.change).toEqual({ kind: 'owner', owner: '65534:65534' });
    expect(statusOf(owner('RUN chown ghost /srv/a'), 3).status).toBe('manual');
    expect(statusOf(owner(`RUN ${JSON.stringify(['chown', '0:0;id', '/srv/a'])}`), 3).status).toBe('manual');
    const distroless = convert('FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --chown=nonroot:nonroot a /a\nUSER nonroot\n', { a: 'x' }).plan;
    expect(distroless.image.files[0]!.owner).toBe('65532:65532');
    expect(distroless.image.users!.passwd.find((l) => l.startsWith('nonroot:'))).toMatch(/^nonroot:x:65532:65532:/);
  });

  it('useradd --gid root is group 0, and no group named root is made', () => {
    const { plan } = convert('FROM debian:12\nRUN useradd -u 1500 --gid root svc\n');
    expect(plan.image.users!.passwd).toContain('svc:x:1500:0::/home/svc:/bin/sh');
    expect(plan.image.users!.group.some((g) => g.startsWith('root:'))).toBe(false);
  });
});

describe('RUN rm of what COPY placed', () => {
  it('leaves a removed file out of the plan, and removes a file inside a placed folder at assembly', () => {
    const { plan } = convert('FROM debian:12\nCOPY secret.txt /s.txt\nCOPY . /app\nRUN rm -f /s.txt /app/README.md /var/lib/apt/lists/x\n', {
      'secret.txt': 's',
      'README.md': 'r',
    });
    expect(plan.image.files.map((f) => f.dest)).toEqual(['/app']);
    expect(plan.image.pathChanges).toEqual([{ line: 4, path: '/app/README.md', change: { kind: 'remove' }, recursive: true }]);
    expect(statusOf(plan, 4).status).toBe('mapped');
  });

  it('is manual when a wildcard reaches into what COPY placed', () => {
    const { plan } = convert('FROM debian:12\nCOPY . /app\nRUN rm -rf /app/*.md\n', { 'README.md': 'r' });
    expect(statusOf(plan, 3).status).toBe('manual');
  });

  it('removes what a later stage copy placed, after the copy', () => {
    const { plan } = convert(
      'FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nFROM debian:12\nCOPY --from=build /out/ /opt/\nRUN rm /opt/app.debug\n',
      { 'go.mod': 'module x\n', 'main.go': 'package main\n' },
    );
    expect(plan.image.pathChanges).toEqual([{ line: 7, path: '/opt/app.debug', change: { kind: 'remove' }, recursive: true }]);
  });
});

describe('owners are given at the line that gives them', () => {
  it('a COPY --chown into a folder that is there owns only what it copies; a chown -R does not reach later COPYs', () => {
    if (!requireTool('fakeroot', 'assembling the image root')) return;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-owners-'));
    const files: Record<string, string> = {
      Dockerfile: `FROM debian:bookworm-slim
WORKDIR /app
COPY conf/ ./conf/
RUN chown -R nobody:nogroup /app
COPY app.py ./
COPY conf/ ./conf/
COPY --chown=1000:1000 extra/ ./
`,
      'conf/a.ini': '[a]\n',
      'conf/sub/b.ini': '[b]\n',
      'app.py': 'x\n',
      'extra/.hidden': 'h\n',
      'extra/tool.sh': 't\n',
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    const { plan } = convertDockerfile(files.Dockerfile!, fsContext(dir), rules, {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'x',
      contextFromOutput: '.',
      outputInContext: null,
    });
    const root = assemble(plan, dir);
    expect(root.stderr).toBe('');
    expect(root.status).toBe(0);
    // WORKDIR keeps the owner chown -R gave it: the --chown copy into it owns its entries, dot-files too.
    expect(root.entries.get('app')).toMatch(/^d \d+ 65534:65534$/);
    expect(root.entries.get('app/.hidden')).toMatch(/^f \d+ 1000:1000$/);
    expect(root.entries.get('app/tool.sh')).toMatch(/^f \d+ 1000:1000$/);
    // Placed after the chown -R: root's, as Docker places them; the folder it merged into keeps its owner.
    expect(root.entries.get('app/app.py')).toMatch(/^f \d+ 0:0$/);
    expect(root.entries.get('app/conf')).toMatch(/^d \d+ 65534:65534$/);
    expect(root.entries.get('app/conf/a.ini')).toMatch(/^f \d+ 0:0$/);
    expect(root.entries.get('app/conf/sub/b.ini')).toMatch(/^f \d+ 0:0$/);
    rmSync(dir, { recursive: true, force: true });
  });
});
