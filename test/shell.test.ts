/** RUN analysis with the command line's shell reader: commands, words, variables, conditions and directories. */
import { describe, expect, it } from 'vitest';
import { analyzeShell, UNKNOWN_DIRECTORY } from '../src/shell/analyze.js';
import { shell } from './helpers/shell.js';

function commands(script: string, env: Record<string, string> = {}) {
  const result = analyzeShell(shell, script, env, '/app');
  if (!result.ok) throw new Error(result.error);
  return result.commands.map((c) => ({ words: c.words.map((w) => w.text), conditional: c.conditional, cwd: c.cwd, writes: c.writes }));
}

describe('analyzeShell', () => {
  it('splits && ; || and pipelines into commands, marking what runs only conditionally', () => {
    expect(commands('a && b; c || d').map((c) => [c.words[0], c.conditional])).toEqual([
      ['a', false],
      ['b', false],
      ['c', false],
      ['d', true],
    ]);
  });
  it('resolves quotes, escapes and known variables, and splits unquoted expansions into words', () => {
    expect(commands('apk add $PKGS "$PKGS" \'$PKGS\' a\\ b', { PKGS: 'curl jq' })[0]!.words).toEqual(['apk', 'add', 'curl', 'jq', 'curl jq', '$PKGS', 'a b']);
  });
  it('keeps unknown words unknown instead of guessing', () => {
    expect(commands('apk add $(cat list) $UNSET')[0]!.words).toEqual(['apk', 'add', null, null]);
  });
  it('follows cd and shell assignments', () => {
    const result = commands('V=1.2; cd sub && echo ${V:-x}');
    expect(result[1]).toMatchObject({ words: ['echo', '1.2'], cwd: '/app/sub' });
  });
  it("takes ~ as root's home after cd, and a folder it cannot know as unknown, never as a made-up path", () => {
    const cwd = (script: string) => commands(script, { DIR: '/srv' }).at(-1)!.cwd;
    expect(cwd('cd ~ && x')).toBe('/root');
    expect(cwd('cd ~/app && x')).toBe('/root/app');
    expect(cwd('cd && x')).toBe('/root');
    expect(cwd('cd $DIR/web && x')).toBe('/srv/web');
    for (const script of ['cd $UNSET && x', 'cd - && x', 'cd app* && x', 'cd ~www && x', 'cd $(dirname f) && cd sub && cd .. && x']) {
      expect(cwd(script), script).toBe(UNKNOWN_DIRECTORY);
    }
    expect(cwd('cd $UNSET && cd /opt && x')).toBe('/opt');
  });
  it('treats if, for, case and functions as conditional', () => {
    expect(commands('if true; then x; fi; for i in 1; do y; done').map((c) => c.conditional)).toEqual([true, true, true]);
  });
  it('records files written by redirection, not descriptor juggling', () => {
    expect(commands('echo a > /etc/x 2>&1; b 2>/dev/null')).toMatchObject([{ writes: ['/etc/x'] }, { writes: [] }]);
  });
  it('reports a parse error with its line', () => {
    const result = analyzeShell(shell, 'echo ok\nfi', {}, '/');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.line).toBe(2);
    expect(!result.ok && result.error).toMatch(/"fi" can only be used to end an if/);
  });
});
