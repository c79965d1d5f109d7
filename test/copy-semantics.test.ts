/** COPY details from issue 19, with Docker's behaviour as the reference. */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { loadRules } from '../src/rules/load.js';

function convert(dockerfile: string, files: Record<string, string>) {
  return convertDockerfile(dockerfile, memoryContext(files), loadRules(), { dockerfilePath: 'Dockerfile', imageName: 'x', contextFromOutput: '.', outputInContext: null });
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
