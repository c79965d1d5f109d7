/**
 * The built CLI in a real pseudo-terminal (tmux, 80 columns, NO_COLOR): every prompt answered by keystroke,
 * the files and the answers file checked, `convert --answers` shown to write the identical files, and Ctrl-C
 * or Escape part-way shown to leave the project as it was. The transcript of the full run is the one in
 * docs/wizard.md; after a deliberate change, refresh it with
 *   DOCK2NIX_UPDATE_DOCS=1 npx vitest run test/wizard/pty.test.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, requireTool } from '../helpers/tools.js';
import { snapshot } from './helpers.js';

const hasTmux = requireTool('tmux', 'the wizard tests in a pseudo-terminal');
const bin = path.join(repoRoot, 'bin/dock2nix.js');
const fixture = path.join(repoRoot, 'test/wizard/fixtures/thumbnailer');
const docFile = path.join(repoRoot, 'docs/wizard.md');
const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-pty-'));
/** Our own tmux server, so nothing of the user's tmux is touched. */
const socket = `dock2nix-test-${process.pid}`;
const noEngines = mkdtempSync(path.join(work, 'path-'));

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-u', '-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
}

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
});

class Terminal {
  constructor(readonly name: string) {}

  static start(name: string, cwd: string, args: string[]): Terminal {
    // PATH without container engines (so no audit offer), NO_COLOR, a clean environment.
    const command = [
      `cd ${quote(cwd)} &&`,
      `env -i HOME=${quote(work)} LANG=C.UTF-8 TERM=xterm-256color NO_COLOR=1 PATH=${quote(noEngines)}`,
      quote(process.execPath),
      quote(bin),
      ...args.map(quote),
      '; echo "[exit $?]"; sleep 600',
    ].join(' ');
    tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '50', command);
    return new Terminal(name);
  }

  screen(): string {
    return tmux('capture-pane', '-p', '-t', this.name);
  }

  /** Everything printed, scrolled-off lines included, as the person sees it at the end. */
  transcript(options: { joined?: boolean; escapes?: boolean } = {}): string {
    const flags = [...(options.joined ? ['-J'] : []), ...(options.escapes ? ['-e'] : [])];
    return tmux('capture-pane', '-p', ...flags, '-S', '-', '-E', '-', '-t', this.name).replace(/\s+$/, '\n');
  }

  async waitFor(pattern: RegExp, timeout = 15_000): Promise<void> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; the screen shows:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  keys(...keys: string[]): void {
    tmux('send-keys', '-t', this.name, ...keys);
  }

  type(text: string): void {
    tmux('send-keys', '-t', this.name, '-l', text);
  }

  close(): void {
    spawnSync('tmux', ['-L', socket, 'kill-session', '-t', this.name], { stdio: 'ignore' });
  }
}

function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function project(name: string): string {
  const dir = path.join(work, name, 'thumbnailer');
  mkdirSync(path.dirname(dir), { recursive: true });
  cpSync(fixture, dir, { recursive: true });
  return dir;
}

describe.runIf(hasTmux)('dock2nix wizard in a pseudo-terminal', () => {
  it('answers every prompt by keystroke, writes the files, and convert --answers writes them again identically', async () => {
    const dir = project('full');
    const term = Terminal.start('full', dir, ['wizard']);
    try {
      await term.waitFor(/apk package "vips-tools" →/);
      term.type('vips');
      await term.waitFor(/→ vips\n❯ vips\n[\s\S]*navigate/);
      const searching = term.screen();
      const searchView = searching
        .slice(searching.lastIndexOf('\n', searching.indexOf('line 3: no nixpkgs attribute is known for apk package "vips-tools"')) + 1)
        .replace(/\s+$/, '\n');
      term.keys('Enter');
      await term.waitFor(/apk package "font-noto-emoji" →[\s\S]*❯ Decide later/);
      term.keys('Up');
      await term.waitFor(/❯ Leave it out/);
      term.keys('Enter');
      await term.waitFor(/Which image builder\?/);
      term.keys('Down');
      await term.waitFor(/❯ dockerTools\.streamLayeredImage/);
      term.keys('Enter');
      await term.waitFor(/Which files\?/);
      term.keys('Enter');
      await term.waitFor(/Output folder: \(nix\)/);
      term.keys('Enter');
      await term.waitFor(/\[exit \d+\]/);

      const transcript = term.transcript().replace(/\n\[exit \d+\]\n$/, '\n');
      expect(term.transcript()).toMatch(/\[exit 0\]/);
      // What it understood, first.
      expect(transcript).toMatch(/^Using Dockerfile\nDockerfile: 1 stage, 3 packages, 1 instruction for manual work/);
      expect(transcript).toMatch(/line 3 +apk +vips-tools +→ nothing +not mapped \(asked below\)/);
      expect(transcript).toMatch(/line 3 +RUN apk add --no-cache ca-certificates vips-tools font-noto-emoji/);
      // The answers as given, then the report.
      expect(transcript).toMatch(/✔ apk package "vips-tools" → vips/);
      expect(transcript).toMatch(/✔ apk package "font-noto-emoji" → left out/);
      expect(transcript).toMatch(/✔ Which image builder\? streamLayeredImage/);
      expect(transcript).toMatch(/dock2nix [\d.]+: Dockerfile \(stream\)/);
      expect(transcript).toMatch(/summary: \d+ mapped, \d+ approximated, 0 manual/);
      expect(transcript).toMatch(/wrote: nix\/default\.nix, nix\/flake\.nix/);
      // No engine on PATH: no audit offer.
      expect(transcript).not.toMatch(/audit/);
      // 80 columns: nothing wrapped by the terminal; NO_COLOR: no colour codes.
      expect(term.transcript({ joined: true })).toBe(term.transcript());
      expect(term.transcript({ escapes: true })).not.toMatch(/\x1b\[[0-9;]*m/);

      const nix = snapshot(path.join(dir, 'nix'));
      expect(Object.keys(nix).sort()).toEqual(['default.nix', 'dock2nix.answers.json', 'flake.nix']);
      expect(JSON.parse(nix['dock2nix.answers.json']!)).toEqual({
        version: 1,
        dockerfile: '../Dockerfile',
        format: 'stream',
        files: ['default.nix', 'flake.nix'],
        decisions: { packages: { 'apk:font-noto-emoji': null, 'apk:vips-tools': 'vips' } },
      });
      expect(nix['default.nix']).toMatch(/dockerTools\.streamLayeredImage/);
      expect(nix['default.nix']).toMatch(/\bvips\b/);
      expect(nix['default.nix']).not.toMatch(/noto|TODO\(dock2nix\).*vips-tools/);
      expect(nix['default.nix']).toMatch(/cacert|caCertificates/);

      // Without prompts, from the answers file: the same files, byte for byte.
      rmSync(path.join(dir, 'nix/default.nix'));
      rmSync(path.join(dir, 'nix/flake.nix'));
      const rerun = spawnSync(process.execPath, [bin, 'convert', 'Dockerfile', '--answers', 'nix/dock2nix.answers.json'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
      expect(rerun.stderr).toBe('');
      expect(rerun.status).toBe(0);
      expect(snapshot(path.join(dir, 'nix'))).toEqual(nix);

      // docs/wizard.md shows this very run.
      let doc = readFileSync(docFile, 'utf8');
      for (const [name, text] of [
        ['search', searchView],
        ['transcript', `$ dock2nix wizard\n${transcript}`],
      ] as const) {
        const start = `<!-- ${name}:start (written by test/wizard/pty.test.ts) -->`;
        const end = `<!-- ${name}:end -->`;
        const block = `${start}\n\n\`\`\`console\n${text}\`\`\`\n\n${end}`;
        expect(doc.includes(start) && doc.includes(end), `docs/wizard.md lacks the ${name} markers`).toBe(true);
        const current = doc.slice(doc.indexOf(start), doc.indexOf(end) + end.length);
        if (process.env.DOCK2NIX_UPDATE_DOCS) doc = doc.replace(current, block);
        else expect(current, 'docs/wizard.md is out of date: DOCK2NIX_UPDATE_DOCS=1 npx vitest run test/wizard/pty.test.ts').toBe(block);
      }
      if (process.env.DOCK2NIX_UPDATE_DOCS) writeFileSync(docFile, doc);
    } finally {
      term.close();
    }
  });

  it.each([
    [
      'Ctrl-C while typing a package name',
      'C-c',
      async (term: Terminal) => {
        await term.waitFor(/apk package "vips-tools" →/);
        term.type('vi');
        await term.waitFor(/→ vi\n/);
      },
    ],
    [
      'Escape at the output folder, after every other answer',
      'Escape',
      async (term: Terminal) => {
        await term.waitFor(/apk package "vips-tools" →/);
        term.keys('Enter');
        await term.waitFor(/apk package "font-noto-emoji" →/);
        term.keys('Enter');
        await term.waitFor(/Which image builder\?/);
        term.keys('Enter');
        await term.waitFor(/Which files\?/);
        term.keys('Enter');
        await term.waitFor(/Output folder:/);
        term.type('elsewhere');
        await term.waitFor(/Output folder: elsewhere/);
      },
    ],
  ] as const)('%s exits cleanly and leaves every file as it was', async (label, key, reach) => {
    const dir = project(label.replace(/\W+/g, '-'));
    mkdirSync(path.join(dir, 'nix'));
    writeFileSync(path.join(dir, 'nix/default.nix'), '# mine\n');
    const before = snapshot(path.dirname(dir));
    const term = Terminal.start(label.replace(/\W+/g, '-'), dir, ['wizard']);
    try {
      await reach(term);
      term.keys(key);
      await term.waitFor(/\[exit \d+\]/);
      const screen = term.screen();
      expect(screen).toMatch(/dock2nix: wizard cancelled; nothing was written\n\[exit 130\]/);
      expect(screen).not.toMatch(/\n\s+at /);
      expect(snapshot(path.dirname(dir))).toEqual(before);
    } finally {
      term.close();
    }
  });
});
