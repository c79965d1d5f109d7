/** COPY details from issue 19, with Docker's behaviour as the reference. */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { loadRules } from '../src/io/rules-files.js';
import { shell } from './helpers/shell.js';

function convert(dockerfile: string, files: Record<string, string>) {
  return convertDockerfile(dockerfile, memoryContext(files), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'x',
    contextFromOutput: '.',
    outputInContext: null,
  });
}

describe('COPY', () => {
  it('into . under WORKDIR / places /x, not //x', () => {
    const { plan, files } = convert('FROM scratch\nWORKDIR /\nCOPY x .\nCOPY <<EOF ./\nhi\nEOF\n', { x: '1' });
    expect(plan.image.files.map((f) => f.dest)).toContain('/x');
    expect(plan.image.files.every((f) => !f.dest.startsWith('//'))).toBe(true);
    expect(plan.instructions.find((i) => i.line === 3)!.message).toBe('x → /x');
    expect(files['default.nix']).not.toContain("'/x'");
  });

  it('with --exclude or --parents is manual and places nothing (the excluded secret never lands in the image)', () => {
    for (const flag of ['--exclude=*.key', '--parents']) {
      const { plan } = convert(`FROM scratch\nCOPY ${flag} . /app/\n`, { 'app.py': '1', 'secret.key': 's' });
      const line = plan.instructions.find((i) => i.line === 2)!;
      expect(line.status, flag).toBe('manual');
      expect(plan.image.files, flag).toEqual([]);
    }
  });
});

describe('lines Nix could not hold', () => {
  it('a HEALTHCHECK with huge numbers, and a NUL in an exec form, are manual and the default.nix parses', async () => {
    const { hasTool } = await import('./helpers/tools.js');
    const { spawnSync } = await import('node:child_process');
    const cases = [
      'FROM alpine:3.20\nHEALTHCHECK --interval=99999999999999999999h --retries=99999999999999999999 CMD ["true"]\n',
      'FROM alpine:3.20\nHEALTHCHECK --retries=abc CMD ["true"]\n',
      'FROM alpine:3.20\nCMD ["a\\u0000b"]\n',
      'FROM alpine:3.20\nENTRYPOINT ["x", "\\u0000"]\nLABEL a="b"\n',
    ];
    for (const dockerfile of cases) {
      const { plan, files } = convert(dockerfile, {});
      expect(plan.instructions.find((i) => i.line === 2)!.status, dockerfile).toBe('manual');
      expect(files['default.nix']).not.toContain('\u0000');
      expect(
        files['default.nix']
          .split('\n')
          .filter((l) => !/^\s*# TODO\(dock2nix\): /.test(l))
          .join('\n'),
      ).not.toMatch(/e\+\d|NaN|Infinity/);
      if (hasTool('nix-instantiate')) {
        const parsed = spawnSync('nix-instantiate', ['--parse', '-E', files['default.nix']], { encoding: 'utf8' });
        expect(parsed.status, `${dockerfile}\n${parsed.stderr}`).toBe(0);
      }
    }
  });
});
