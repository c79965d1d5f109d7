/**
 * A truth table for one ecosystem, in the spirit of ESLint's RuleTester and hadolint's rule tests: each case is a
 * RUN line, run through the real planner (parse → plan), and the table says which status its report must have.
 *
 *   runTester('apk', {
 *     mapped: ['apk add --no-cache curl'],
 *     ignored: [{ code: 'apk update', rule: 'run.apk.noop' }],
 *   });
 *
 * A case is the RUN's shell text, or an object that also names the rule id, a pattern the message must match,
 * the base image, lines before the RUN (`before`, Dockerfile text), build-context files, or a check of the plan.
 * Each case must call a program the ecosystem claims, so a table cannot drift into testing another one.
 */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../../src/convert/convert.js';
import { memoryContext } from '../../src/convert/context.js';
import type { InstructionReport, MigrationPlan, Status } from '../../src/convert/types.js';
import { ECOSYSTEMS, ecosystemOf } from '../../src/ecosystems/index.js';
import { loadRules } from '../../src/io/rules-files.js';
import { shell } from './shell.js';

export interface RunCase {
  /** The RUN instruction's shell text (what follows `RUN `). */
  code: string;
  /** The report's rule id (for a line of several commands: `run.<status>`; see `detail`). */
  rule?: string;
  /** A pattern the report's message (or one of its details) must match. */
  message?: RegExp;
  /** The FROM image (default: the table's). */
  base?: string;
  /** Dockerfile lines between FROM and the RUN. */
  before?: string;
  /** Build-context files. */
  files?: Record<string, string | null>;
  /** More checks on the plan and the RUN's report. */
  check?: (plan: MigrationPlan, report: InstructionReport) => void;
}

export type RunCases = Partial<Record<Status, Array<string | RunCase>>>;

export interface RunTesterOptions {
  /** The FROM image of every case that names none. */
  base?: string;
  /** Dockerfile lines before every case's RUN (after its own `before`). */
  before?: string;
  files?: Record<string, string | null>;
}

/** Converts one case: the plan and the RUN's report (the last RUN of the Dockerfile). */
export function runCase(test: RunCase, options: RunTesterOptions = {}): { plan: MigrationPlan; report: InstructionReport; dockerfile: string } {
  const lines = [`FROM ${test.base ?? options.base ?? 'debian:bookworm'}`, options.before, test.before, `RUN ${test.code}`].filter((l): l is string =>
    Boolean(l),
  );
  const dockerfile = `${lines.join('\n')}\n`;
  const { plan } = convertDockerfile(dockerfile, memoryContext({ ...options.files, ...test.files }), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'test',
    contextFromOutput: '..',
    outputInContext: 'nix',
  });
  const runs = plan.instructions.filter((i) => i.keyword === 'RUN');
  return { plan, report: runs[runs.length - 1]!, dockerfile };
}

/** The programs a RUN line's text names (plain words, their base names), for the check that a case belongs to its ecosystem. */
function programsOf(code: string): string[] {
  return code
    .split(/[\s;&|()]+/)
    .filter(Boolean)
    .map((w) => w.split('/').pop()!);
}

export function runTester(ecosystem: string, cases: RunCases, options: RunTesterOptions = {}): void {
  describe(`${ecosystem}: truth table`, () => {
    it('is an ecosystem of the registry', () => {
      expect(ECOSYSTEMS.map((e) => e.id)).toContain(ecosystem);
    });
    for (const status of ['mapped', 'approximated', 'manual', 'ignored'] as const) {
      for (const entry of cases[status] ?? []) {
        const test: RunCase = typeof entry === 'string' ? { code: entry } : entry;
        it(`${status}: RUN ${test.code}`, () => {
          const own = ECOSYSTEMS.find((e) => e.id === ecosystem);
          const claims = (p: string) => ecosystemOf(p)?.id === ecosystem || (own?.pythonModules !== undefined && Object.hasOwn(own.pythonModules, p));
          expect(programsOf(test.code).some(claims), `no program of ${ecosystem} in "${test.code}"`).toBe(true);
          const { plan, report, dockerfile } = runCase(test, options);
          const why = `${dockerfile}→ ${report.status} ${report.rule}: ${report.message}\n${report.details.join('\n')}`;
          expect(report.status, why).toBe(status);
          if (test.rule) expect(report.rule, why).toBe(test.rule);
          if (test.message)
            expect(
              [report.message, ...report.details].some((m) => test.message!.test(m)),
              why,
            ).toBe(true);
          test.check?.(plan, report);
        });
      }
    }
  });
}
