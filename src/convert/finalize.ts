/**
 * After the walk: build stages become derivations, copies from them are resolved into the image, the image plan
 * and its entrypoint check are made, and the plan is assembled.
 */
import type { Dockerfile, Instruction } from '../dockerfile/model.js';
import type { RuleSet } from '../rules/lookup.js';
import { settlePython } from './programs/packages.js';
import type { BuildContext } from './context.js';
import type { StageState } from './stage.js';
import { buildDerivation, hasLanguageBuild, type BuiltDerivation, type CopyRequest } from './derivations.js';
import { buildImagePlan } from './image.js';
import { installsPythonOnly, type FoldedCopy } from './python-stage.js';
import { checkEntrypoint } from './entrypoint.js';
import { formatOf } from '../nix/formats/index.js';
import type { SecretFinding } from './secrets.js';
import type { DecisionLedger } from './decisions.js';
import type { FilePlacement, MigrationPlan, StageReport, Status } from './types.js';
import type { ReportBook } from './reports.js';
import { derivationNames } from '../nix/scope.js';
import { absoluteMode } from '../nix/formats/nix2container-perms.js';
import { exceptionFolders, ignoreRegex, plainExclusions, type IgnoreRule } from './dockerignore.js';
import { stageLabel } from './stages.js';
import type { PlanOptions } from './plan.js';

/** What the walk over the stages produced, handed to finalizePlan. */
export interface Walk {
  dockerfile: Dockerfile;
  context: BuildContext;
  rules: RuleSet;
  options: PlanOptions;
  /** The target stage's index. */
  target: number;
  decisions: DecisionLedger;
  roles: Map<number, StageReport['role']>;
  /** The decisions of the walk; what finalizePlan learns about an instruction is noted there, and the reports written last. */
  reports: ReportBook;
  states: Map<number, StageState>;
  copyRequests: CopyRequest[];
  /** Stages whose node_modules another stage copied: that stage installs the same dependencies itself. */
  mergedStages: Set<number>;
  /** Copies into the target from Python-only stages, as their COPY lines decided and reported them. */
  folds: Map<CopyRequest, FoldedCopy>;
  secrets: SecretFinding[];
}

export function finalizePlan(walk: Walk): MigrationPlan {
  const { dockerfile, context, rules, options, target, decisions, roles, reports, states, copyRequests, mergedStages, folds, secrets } = walk;
  const instruction = (stage: number, line: number) => instructionAt(dockerfile, stage, line);
  const targetState = states.get(target)!;
  const built = new Map<number, BuiltDerivation>();
  const names = derivationNames(dockerfile.stages, target);
  const pythonOnly = installsPythonOnly;
  for (const [index, role] of roles) {
    if (role !== 'build' || pythonOnly(states.get(index)!)) continue;
    // Only its node_modules were copied, and those are installed by the stage that copied them.
    if (mergedStages.has(index) && !copyRequests.some((request) => request.stage === index)) {
      roles.set(index, 'merged');
      continue;
    }
    // Only its dependency cache or context files passed on were copied (cargo chef, a dummy crate): nothing to build.
    if (!copyRequests.some((request) => request.stage === index)) {
      roles.set(index, 'merged');
      continue;
    }
    const derivation = buildDerivation(
      states.get(index)!,
      dockerfile.stages[index]!,
      copyRequests.filter((r) => r.stage === index),
      { context, rules, decisions },
      names.get(index)!,
    );
    if (derivation) built.set(index, derivation);
  }

  // A target stage that builds (npm, go, cargo) gets its own derivation, placed where the build left it.
  let replacedWorkdir: string | null = null;
  if (hasLanguageBuild(targetState)) {
    const own: CopyRequest[] = [];
    const base = { stage: target, into: target, line: Math.max(...targetState.buildLines), owner: null, mode: null };
    if (targetState.npm.length && !targetState.go.length && !targetState.cargo.length) {
      own.push({ ...base, from: targetState.workdir, dest: targetState.workdir, trailingSlash: true });
      replacedWorkdir = targetState.workdir;
    }
    for (const step of targetState.go) if (step.output) own.push({ ...base, from: step.output, dest: step.output, trailingSlash: false });
    // A release the stage made (mix release: _build/<env>/rel/<name>, a folder) stays where it was built.
    if (targetState.mix.some((step) => step.task === 'release'))
      for (const dir of [...targetState.directories.keys()].filter((d) => /\/_build\/[^/]+\/rel\/[^/]+$/.test(d)))
        own.push({ ...base, from: dir, dest: dir, trailingSlash: true });
    const derivation = buildDerivation(targetState, dockerfile.stages[target]!, own, { context, rules, decisions }, names.get(target)!);
    if (derivation) {
      built.set(target, derivation);
      copyRequests.push(...own);
    }
  }

  for (const [index, derivation] of built) {
    for (const problem of derivation.problems) {
      const entry = instruction(index, problem.line);
      if (entry) reports.note(entry, { raise: problem.status, text: problem.message });
    }
  }

  const derivationFiles: FilePlacement[] = [];
  /** Python-only stages whose packages joined the image's environment. */
  const foldedPythonStages = new Set<number>();
  for (const request of copyRequests.filter((r) => r.into === target)) {
    const entry = instruction(target, request.line);
    const problem = (text: string) => {
      if (entry) reports.note(entry, { raise: 'manual', text });
    };
    const sourceState = states.get(request.stage)!;
    // The COPY line's decider folded it and reported so; its packages, files and links join the image here.
    const folded = folds.get(request);
    if (folded) {
      for (const pkg of sourceState.pythonPackages) targetState.pythonPackages.add(pkg);
      targetState.runtimes.python ??= sourceState.runtimes.python;
      foldedPythonStages.add(request.stage);
      targetState.files.push(...folded.files);
      for (const link of folded.links) {
        targetState.symlinks.set(link.path, link);
        targetState.pythonEnvPaths.set(link.path, 'venv');
      }
      const switched = settlePython(targetState, rules);
      if (entry && switched) reports.note(entry, { raise: null, text: switched });
      continue;
    }
    const derivation = built.get(request.stage);
    if (!derivation) {
      problem(`nothing to copy: stage ${stageLabel(dockerfile.stages[request.stage]!)} builds nothing dock2nix can package`);
      continue;
    }
    const resolved = derivation.resolve(request);
    if ('problem' in resolved) {
      problem(resolved.problem);
      continue;
    }
    derivationFiles.push({
      line: request.line,
      source: { kind: 'derivation', derivation: derivation.plan.name, path: resolved.path, directory: request.trailingSlash },
      dest: request.dest,
      owner: request.owner,
      mode: request.mode,
      ...(request.intoExisting ? { intoExisting: true as const } : {}),
    });
  }
  for (const request of copyRequests.filter((r) => r.into !== target && r.stage !== r.into)) {
    const entry = instruction(request.into, request.line);
    if (entry)
      reports.note(entry, {
        raise: 'manual',
        unlessManual: true,
        text: 'copying between build stages is not converted: give the receiving derivation the other one as an input',
      });
  }
  const derivations = [...built.values()].map((d) => d.plan).sort((a, b) => a.stage - b.stage);

  const image = buildImagePlan(targetState, { name: options.imageName, format: options.format, derivationFiles, replacedWorkdir });
  if (image.python) image.python.missing = missingPythonPackages(dockerfile, states, target, foldedPythonStages);
  const chain = new Set<number>();
  for (let i: number | null = target; i !== null && !chain.has(i); i = dockerfile.stages[i]!.parentStage) chain.add(i);
  const last = (keyword: 'CMD' | 'ENTRYPOINT') =>
    [...chain]
      .flatMap((i) => dockerfile.stages[i]!.instructions)
      .filter((i) => i.keyword === keyword)
      .sort((a, b) => b.line - a.line)[0] ?? null;
  const findings = checkEntrypoint({
    image,
    derivations: [...built.values()].map((d) => d.plan),
    context,
    entrypoint: last('ENTRYPOINT'),
    cmd: last('CMD'),
    base: targetState.base.name,
  });
  for (const finding of findings) reports.note(finding.instruction, { raise: finding.status, text: finding.text });
  // What the format's result does differently from a container (a NixOS service has no volumes...), on the image's lines.
  const imageNotes = formatOf(options.format).imageNotes;
  if (imageNotes) {
    const chained = [...chain].sort((a, b) => a - b).flatMap((i) => dockerfile.stages[i]!.instructions);
    for (const note of imageNotes(image, chained)) {
      const entry = chained.find((i) => i.line === note.line);
      if (entry) reports.note(entry, { raise: note.raise, text: note.text });
    }
  }
  // Store modes on an image without fakeRoot (nix2container); a NixOS service says so in its own notes (above).
  if (!formatOf(options.format).fakeRoot && options.format !== 'nixos')
    noteStoreModes(image, (line) => instructionAt(dockerfile, target, line), reports, formatOf(options.format).short);

  const stages: StageReport[] = dockerfile.stages.map((stage) => ({
    index: stage.index,
    name: stage.name,
    from: stage.from,
    role: roles.get(stage.index) ?? 'unused',
    builder: derivations.find((d) => d.stage === stage.index)?.build.kind ?? null,
  }));
  const packages = [...states.values()].flatMap((s) => s.packageReports);
  const instructions = reports.write();
  const summary: Record<Status, number> = { mapped: 0, approximated: 0, manual: 0, ignored: 0 };
  for (const r of instructions) summary[r.status]++;
  instructions.sort((a, b) => a.line - b.line);

  return {
    tool: { name: 'dock2nix', version: options.toolVersion },
    dockerfile: dockerfile.path,
    context: options.contextLabel,
    format: options.format,
    target: { index: target, name: dockerfile.stages[target]!.name },
    stages,
    instructions,
    packages,
    derivations,
    image,
    contextFromOutput: options.contextFromOutput,
    unusedDecisions: decisions.unused(),
    warnings: [...new Map(dockerfile.warnings.map((w) => [`${w.line}\n${w.message}`, w])).values()].sort((a, b) => a.line - b.line),
    secrets,
    ...contextExclusions(options.dockerignore ?? [], options.outputInContext),
    summary,
  };
}

/**
 * Python packages the image's stages (the target, the stages it starts from, and the pip stages folded into its
 * environment) asked for and the environment lacks, in Dockerfile order.
 */
function missingPythonPackages(
  dockerfile: Dockerfile,
  states: Map<number, StageState>,
  target: number,
  folded: Set<number>,
): Array<{ line: number; name: string; note: string }> {
  const stages = new Set<number>();
  for (const index of [target, ...folded]) {
    for (let i: number | null = index; i !== null && !stages.has(i); i = dockerfile.stages[i]!.parentStage) stages.add(i);
  }
  const missing: Array<{ line: number; name: string; note: string }> = [];
  for (const index of [...stages].sort((a, b) => a - b)) {
    for (const report of states.get(index)?.packageReports ?? []) {
      if (report.manager !== 'pip' || report.nix !== null || report.confidence !== 'none') continue;
      if (missing.some((m) => m.line === report.line && m.name === report.name)) continue;
      missing.push({ line: report.line, name: report.name, note: report.note ?? 'no nixpkgs attribute is known for it' });
    }
  }
  return missing.sort((a, b) => a.line - b.line);
}

/** What whole-context sources leave out: VCS data, build results, the output folder, and .dockerignore. */
function contextExclusions(rules: IgnoreRule[], outputInContext: string | null): Pick<MigrationPlan, 'contextExclude' | 'contextIgnore'> {
  const always = ['.git', 'result', ...(outputInContext ? [outputInContext] : [])];
  const plain = plainExclusions(rules);
  if (plain) return { contextExclude: [...new Set([...always, ...plain])].sort(), contextIgnore: null };
  return {
    contextExclude: [...new Set(always)].sort(),
    contextIgnore: { rules: rules.map((rule) => ({ regex: ignoreRegex(rule.pattern), exclude: rule.exclude })), exceptionFolders: exceptionFolders(rules) },
  };
}

/**
 * A format without a fake root (nix2container) sets modes with `perms` (src/nix/formats/nix2container-perms.ts):
 * what a line places without a mode of its own keeps the store's read-only modes, and a symbolic chmod whose
 * result depends on the file's own mode is not carried. The lines that do either are approximated, saying so.
 */
function noteStoreModes(image: MigrationPlan['image'], at: (line: number) => Instruction | undefined, reports: ReportBook, builder: string): void {
  const noted = new Set<number>();
  for (const file of image.files) {
    if (file.mode || noted.has(file.line)) continue;
    noted.add(file.line);
    const entry = at(file.line);
    if (entry)
      reports.note(entry, {
        raise: 'approximated',
        unlessManual: true,
        text: `${builder} keeps the store's read-only modes for what this places (files 0444 or 0555, folders in it 0555), where Docker's are writable by their owner`,
      });
  }
  for (const change of image.pathChanges) {
    if (change.change.kind !== 'mode' || absoluteMode(change.change.mode)) continue;
    const entry = at(change.line);
    if (entry)
      reports.note(entry, {
        raise: 'approximated',
        unlessManual: true,
        text: `chmod ${change.change.mode} ${change.path} is not carried: ${builder}'s perms set one absolute mode, and this one depends on the file's own`,
      });
  }
}

/**
 * The instruction at a line of a stage, or of the stages it starts from: a stage's state carries its parents' build
 * steps, so what is learnt about one of them belongs to the parent's line.
 */
function instructionAt(dockerfile: Dockerfile, stage: number, line: number): Instruction | undefined {
  const seen = new Set<number>();
  for (let i: number | null = stage; i !== null && !seen.has(i); i = dockerfile.stages[i]!.parentStage) {
    seen.add(i);
    const found = dockerfile.stages[i]!.instructions.find((instruction) => instruction.line === line);
    if (found) return found;
  }
  return undefined;
}
