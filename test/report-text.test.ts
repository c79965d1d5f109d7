/**
 * The text report for people: repeated package findings grouped into one line, and what became of each command
 * of a RUN, one line each (in full in the JSON report).
 */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { loadRules } from '../src/io/rules-files.js';
import { jsonReport, packageFindings, textReport } from '../src/report/report.js';
import { shell } from './helpers/shell.js';

function convert(dockerfile: string) {
  return convertDockerfile(dockerfile, memoryContext({}), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'test',
    contextFromOutput: '..',
    outputInContext: 'nix',
  }).plan;
}

describe('text report', () => {
  it('groups unmapped packages of one manager into one line, names with their lines', () => {
    const plan = convert(
      'FROM debian:bookworm\nRUN apt-get install -y curl nosuch-a nosuch-b nosuch-c\nRUN apt-get install -y nosuch-d\nRUN apk add nosuch-e\nCMD ["sh"]\n',
    );
    expect(plan.packages.filter((p) => p.confidence === 'none').map((p) => p.name)).toEqual(['nosuch-a', 'nosuch-b', 'nosuch-c', 'nosuch-d', 'nosuch-e']);
    const text = textReport(plan, [], 200);
    expect(text).toContain(
      '\n    4 apt packages not found in nixpkgs: nosuch-a, nosuch-b, nosuch-c (line 2), nosuch-d (line 3); add them by hand or to rules/apt.json\n',
    );
    // A finding of its own keeps its own line.
    expect(text).toContain(
      '\n    line 4: apk nosuch-e → nothing (none): no nixpkgs attribute is known for apk package "nosuch-e"; add it by hand or to rules/apk.json\n',
    );
    expect(text.match(/nosuch-a/g)).toHaveLength(2); // the RUN line and the group, not one line per package
    // The JSON report still has one entry per package.
    expect(jsonReport(plan, []).packages.filter((p) => p.confidence === 'none')).toHaveLength(5);
  });

  it('groups other repeated findings with the same note, and caps a long list of names', () => {
    const base = { manager: 'apk' as const, version: null, role: 'runtime' as const, stage: 0 };
    const many = Array.from({ length: 30 }, (_, i) => ({
      ...base,
      name: `p${i}`,
      nix: null,
      confidence: 'none' as const,
      line: 2,
      note: 'not mapped: gone; choose another attribute by hand',
    }));
    const lines = packageFindings([
      { ...base, name: 'x', nix: 'python3', confidence: 'low', line: 3, note: 'Python 2 is gone; "x" may need porting' },
      { ...base, name: 'y', nix: 'python3', confidence: 'low', line: 4, note: 'Python 2 is gone; "y" may need porting' },
      ...many,
    ]);
    expect(lines).toEqual([
      '2 apk packages → python3 (low): x (line 3), y (line 4): Python 2 is gone; (each) may need porting',
      `30 apk packages → nothing (none): ${many
        .slice(0, 24)
        .map((p, i) => (i === 23 ? `${p.name} (line 2)` : p.name))
        .join(', ')}, and 6 more (--json lists them all): not mapped: gone; choose another attribute by hand`,
    ]);
  });

  it('shows what became of each command of a RUN, mapped and ignored ones too, one line each', () => {
    const plan = convert('FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nCMD ["curl"]\n');
    const run = plan.instructions.find((i) => i.line === 2)!;
    expect(run.status).toBe('mapped');
    const text = textReport(plan, [], 100);
    const block = text.slice(text.indexOf('    2  mapped'), text.indexOf('\n    3  '));
    expect(block.split('\n')).toEqual([
      '    2  mapped       RUN: 3 commands (1 mapped, 2 ignored)',
      '                      - ignored: apt update: package-index work, not needed with Nix',
      '                      - mapped: apt install: curl → curl',
      expect.stringMatching(/^ {22}- ignored: rm \/var\/lib\/apt\/lists\/\*: caches and lists that a Nix image never c…$/),
    ]);
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
  });
});
