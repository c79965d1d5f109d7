/**
 * Dockerfile model → migration plan. Walks the stages the target needs, decides every instruction with the
 * command rules and the tables, then turns build stages into derivations and the target stage into an image.
 * Pure: everything it reads comes in through its arguments.
 */
import { match } from 'ts-pattern';
import { resolvePath } from '../container-path.js';
import type { CommandForm, Dockerfile, Instruction, Stage } from '../dockerfile/model.js';
import { analyzeShell } from '../shell/analyze.js';
import type { ShellReader } from '../shell/reader.js';
import { chooseRuntime, lookupBaseImage, type RuleSet } from '../rules/load.js';
import { settlePython } from './commands/packages.js';
import { Dock2nixError } from '../errors.js';
import type { BuildContext } from './context.js';
import { globRegExp, hasWildcard } from './glob.js';
import { ruleForCommand } from './commands/run.js';
import { isValidMode } from '../nix/shell.js';
import { buildStepCount, cloneStage, emptyConfig, numericOwner, userIds, worst, type CommandScope, type NpmStep, type Outcome, type StageState } from './stage.js';
import { buildDerivation, stageCacheCopy, type BuiltDerivation, type CopyRequest } from './derivations.js';
import { buildImagePlan } from './image.js';
import { foldPythonCopy, installsPythonOnly } from './python-stage.js';
import { checkEntrypoint } from './entrypoint.js';
import { secretReason, type SecretFinding } from './secrets.js';
import { DecisionLedger, noDecisions, type Decisions } from './decisions.js';
import { statusRank, type FilePlacement, type InstructionReport, type MigrationPlan, type OutputFormat, type StageReport, type Status } from './types.js';
import { derivationNames } from '../nix/scope.js';
import { exceptionFolders, ignoreRegex, plainExclusions, type IgnoreRule } from './dockerignore.js';

/** Attributes that put /bin/sh in the image root. */
export const SHELL_PROVIDERS = new Set(['busybox', 'dockerTools.binSh', 'bashInteractive.binSh']);

export interface PlanOptions {
  target?: string;
  format: OutputFormat;
  imageName: string;
  /** The context as seen from the output folder (e.g. `..`). */
  contextFromOutput: string;
  /** The output folder relative to the context, excluded from whole-context sources (null when outside). */
  outputInContext: string | null;
  /** The context's .dockerignore rules, in order. */
  dockerignore?: IgnoreRule[];
  toolVersion: string;
  contextLabel: string;
  decisions?: Decisions;
  /** Reads RUN scripts (src/shell/reader.ts). */
  shell: ShellReader;
}

export function planMigration(dockerfile: Dockerfile, context: BuildContext, rules: RuleSet, options: PlanOptions): MigrationPlan {
  const target = findTarget(dockerfile, options.target);
  const decisions = new DecisionLedger(options.decisions ?? noDecisions);
  const roles = stageRoles(dockerfile, target);
  const reports: InstructionReport[] = [];
  const states = new Map<number, StageState>();
  const copyRequests: CopyRequest[] = [];
  /** Stages whose node_modules another stage copied: that stage installs the same dependencies itself. */
  const mergedStages = new Set<number>();

  const secrets: SecretFinding[] = [];
  for (const instruction of dockerfile.globalArgs) {
    reports.push(report(instruction, null, describeArg(instruction, secrets)));
  }

  for (const stage of dockerfile.stages) {
    const role = roles.get(stage.index) ?? 'unused';
    if (role === 'unused') {
      for (const instruction of stage.instructions) {
        reports.push(report(instruction, stage.index, {
          status: 'ignored',
          rule: 'stage.unused',
          message: `stage ${stageLabel(stage)} is not needed to build the target stage ${stageLabel(dockerfile.stages[target]!)}`,
        }));
      }
      continue;
    }
    const state = startStage(stage, states, rules);
    states.set(stage.index, state);
    for (const instruction of stage.instructions) {
      const outcome = decide(instruction, stage, state, { dockerfile, context, shell: options.shell, rules, format: options.format, copyRequests, mergedStages, states, decisions, secrets, target });
      reports.push(report(instruction, stage.index, outcome));
    }
  }

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
    const derivation = buildDerivation(states.get(index)!, dockerfile.stages[index]!, copyRequests.filter((r) => r.stage === index), { context, rules, decisions }, names.get(index)!);
    if (derivation) built.set(index, derivation);
  }

  // A target stage that builds (npm, go, cargo) gets its own derivation, placed where the build left it.
  let replacedWorkdir: string | null = null;
  if (targetState.npm.length || targetState.go.length || targetState.cargo.length) {
    const own: CopyRequest[] = [];
    const base = { stage: target, into: target, line: Math.max(...targetState.buildLines), owner: null, mode: null };
    if (targetState.npm.length && !targetState.go.length && !targetState.cargo.length) {
      own.push({ ...base, from: targetState.workdir, dest: targetState.workdir, trailingSlash: true });
      replacedWorkdir = targetState.workdir;
    }
    for (const step of targetState.go) if (step.output) own.push({ ...base, from: step.output, dest: step.output, trailingSlash: false });
    const derivation = buildDerivation(targetState, dockerfile.stages[target]!, own, { context, rules, decisions }, names.get(target)!);
    if (derivation) {
      built.set(target, derivation);
      copyRequests.push(...own);
    }
  }

  for (const [index, derivation] of built) {
    for (const problem of derivation.problems) {
      const entry = reports.find((r) => r.line === problem.line && r.stage === index);
      if (!entry) continue;
      if (statusRank[problem.status] > statusRank[entry.status]) entry.status = problem.status;
      entry.message += `; ${problem.message}`;
    }
  }

  const derivationFiles: FilePlacement[] = [];
  /** Python-only stages whose packages joined the image's environment. */
  const foldedPythonStages = new Set<number>();
  for (const request of copyRequests.filter((r) => r.into === target)) {
    const problem = (text: string) => {
      const entry = reports.find((r) => r.line === request.line && r.stage === target);
      if (entry) {
        entry.status = 'manual';
        entry.message += `; ${text}`;
      }
    };
    const sourceState = states.get(request.stage)!;
    if (pythonOnly(sourceState) && !built.has(request.stage)) {
      for (const pkg of sourceState.pythonPackages) targetState.pythonPackages.add(pkg);
      targetState.runtimes.python ??= sourceState.runtimes.python;
      foldedPythonStages.add(request.stage);
      const copy = dockerfile.stages[target]!.instructions.find((i) => i.line === request.line);
      const folded = foldPythonCopy(request, sourceState, copy && (copy.keyword === 'COPY' || copy.keyword === 'ADD') ? copy : undefined, context);
      targetState.files.push(...folded.files);
      for (const link of folded.links) {
        targetState.symlinks.set(link.path, link);
        targetState.pythonEnvPaths.set(link.path, 'venv');
      }
      const switched = settlePython(targetState, rules);
      const entry = reports.find((r) => r.line === request.line && r.stage === target);
      if (entry && folded.problem) problem(folded.problem);
      else if (entry) {
        if (entry.status === 'mapped') entry.status = 'approximated';
        if (folded.target !== request.dest) entry.message = entry.message.replace(`→ ${request.dest}`, `→ ${folded.target}`);
        entry.message += `; the Python packages installed in that stage join the image's Python environment instead${folded.notes.length ? `; ${folded.notes.join('; ')}` : ''}`;
      }
      if (entry && switched) entry.message += `; ${switched}`;
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
    });
  }
  for (const request of copyRequests.filter((r) => r.into !== target && r.stage !== r.into)) {
    const entry = reports.find((r) => r.line === request.line);
    if (entry && entry.status !== 'manual') {
      entry.status = 'manual';
      entry.message += '; copying between build stages is not converted: give the receiving derivation the other one as an input';
    }
  }
  const derivations = [...built.values()].map((d) => d.plan).sort((a, b) => a.stage - b.stage);

  // A stage moved to another Python for its packages (settlePython): its FROM line says so too.
  for (const [index, state] of states) {
    const moved = state.runtimes.python?.substitution;
    const from = reports.find((r) => r.stage === index && r.keyword === 'FROM');
    if (!moved || !from || from.message.includes(moved)) continue;
    if (from.status === 'mapped') from.status = 'approximated';
    // The arrow names what the image gets, not the interpreter first chosen from the tag.
    from.message = `${from.message.replace(/→ python\d+/, `→ ${state.runtimes.python!.attr}`)}; ${moved}`;
  }

  const image = buildImagePlan(targetState, { name: options.imageName, format: options.format, derivationFiles, replacedWorkdir });
  if (image.python) image.python.missing = missingPythonPackages(dockerfile, states, target, foldedPythonStages);
  const chain = new Set<number>();
  for (let i: number | null = target; i !== null && !chain.has(i); i = dockerfile.stages[i]!.parentStage) chain.add(i);
  const lastReport = (keyword: 'CMD' | 'ENTRYPOINT') => reports.filter((r) => r.keyword === keyword && r.stage !== null && chain.has(r.stage)).sort((a, b) => b.line - a.line)[0] ?? null;
  checkEntrypoint({ image, derivations: [...built.values()].map((d) => d.plan), context, entrypointReport: lastReport('ENTRYPOINT'), cmdReport: lastReport('CMD') });

  const stages: StageReport[] = dockerfile.stages.map((stage) => ({
    index: stage.index,
    name: stage.name,
    from: stage.from,
    role: roles.get(stage.index) ?? 'unused',
    builder: derivations.find((d) => d.stage === stage.index)?.build.kind ?? null,
  }));
  const packages = [...states.values()].flatMap((s) => s.packageReports);
  const summary: Record<Status, number> = { mapped: 0, approximated: 0, manual: 0, ignored: 0 };
  for (const r of reports) summary[r.status]++;
  reports.sort((a, b) => a.line - b.line);

  return {
    tool: { name: 'dock2nix', version: options.toolVersion },
    dockerfile: dockerfile.path,
    context: options.contextLabel,
    format: options.format,
    target: { index: target, name: dockerfile.stages[target]!.name },
    stages,
    instructions: reports,
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
function missingPythonPackages(dockerfile: Dockerfile, states: Map<number, StageState>, target: number, folded: Set<number>): Array<{ line: number; name: string; note: string }> {
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

function stageLabel(stage: Stage): string {
  return stage.name ? `"${stage.name}"` : `#${stage.index}`;
}

function findTarget(dockerfile: Dockerfile, target: string | undefined): number {
  if (target === undefined) return dockerfile.stages.length - 1;
  const byName = dockerfile.stages.findIndex((s) => s.name === target.toLowerCase());
  if (byName !== -1) return byName;
  if (/^\d+$/.test(target) && Number(target) < dockerfile.stages.length) return Number(target);
  throw new Dock2nixError('E_USAGE', `no stage named "${target}" (stages: ${dockerfile.stages.map((s) => s.name ?? String(s.index)).join(', ')})`, { file: dockerfile.path });
}

/** Resolve `--from=x` to a stage index: a stage name, or a number naming an earlier stage. Null for an image. */
export function stageReference(dockerfile: Dockerfile, ref: string, before: number): number | null {
  const byName = dockerfile.stages.findIndex((s) => s.name === ref.toLowerCase() && s.index < before);
  if (byName !== -1) return byName;
  if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref);
  return null;
}

function stageRoles(dockerfile: Dockerfile, target: number): Map<number, StageReport['role']> {
  const roles = new Map<number, StageReport['role']>();
  const visit = (index: number, role: StageReport['role']) => {
    const existing = roles.get(index);
    if (existing === 'image' || existing === role || (existing === 'build' && role === 'base')) return;
    roles.set(index, existing === 'base' && role === 'build' ? 'build' : role);
    const stage = dockerfile.stages[index]!;
    if (stage.parentStage !== null) visit(stage.parentStage, 'base');
    for (const instruction of stage.instructions) {
      const refs: string[] = [];
      if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && instruction.from) refs.push(instruction.from);
      if (instruction.keyword === 'RUN') for (const mount of instruction.mounts) if (mount.from) refs.push(mount.from);
      for (const ref of refs) {
        const referenced = stageReference(dockerfile, ref, index);
        if (referenced !== null) visit(referenced, 'build');
      }
    }
  };
  visit(target, 'image');
  return roles;
}

function startStage(stage: Stage, states: Map<number, StageState>, rules: RuleSet): StageState {
  if (stage.parentStage !== null) {
    const parent = states.get(stage.parentStage);
    if (parent) return cloneStage(parent, stage.index, stage.name);
  }
  const base = lookupBaseImage(rules, stage.from);
  const state: StageState = {
    index: stage.index,
    name: stage.name,
    base,
    baseKind: base.image?.kind ?? 'unknown',
    runtimes: {},
    packages: new Map(),
    virtualGroups: new Map(),
    removed: new Set(),
    pythonPackages: new Set(),
    pythonEnvPaths: new Map(),
    packageReports: [],
    users: new Map(),
    groups: new Map(),
    env: new Map(),
    workdir: '/',
    user: null,
    shell: ['/bin/sh', '-c'],
    // What matters is whether the Nix image has /bin/sh, not whether the Docker base had one.
    hasShell: (base.image?.attrs ?? []).some((attr) => SHELL_PROVIDERS.has(attr)),
    files: [],
    directories: new Map(),
    symlinks: new Map(),
    pathChanges: [],
    stageCopyDests: [],
    writtenFiles: new Set(),
    contextCopies: [],
    contextFiles: new Map(),
    npm: [],
    go: [],
    cargo: [],
    unhandled: [],
    builtCopies: [],
    buildLines: [],
    config: emptyConfig(),
    needs: { caCertificates: false, tzdata: false, binSh: false, usrBinEnv: false, tmp: base.image ? base.image.kind !== 'empty' : true },
    needReasons: [],
  };
  const image = base.image;
  if (!image) return state;
  for (const attr of image.attrs) {
    if (attr === 'dockerTools.caCertificates') state.needs.caCertificates = true;
    else state.packages.set(attr, 'runtime');
  }
  if (image.runtime) {
    // A tag part that names the runtime's version (`python3.12-bookworm` of the uv images) picks it.
    const named = image.runtimeTagPrefix ? (base.tag ?? '').split('-').find((part) => part.startsWith(image.runtimeTagPrefix!) && /^\d/.test(part.slice(image.runtimeTagPrefix!.length))) : undefined;
    const choice = chooseRuntime(rules, image.runtime, image.runtimeVersion ?? (named ? named.slice(image.runtimeTagPrefix!.length) : base.tag));
    state.runtimes[image.runtime] = choice;
    if (image.runtime === 'postgresql') state.packages.set(choice.attr, 'runtime');
  }
  if (image.kind === 'os' || image.kind === 'runtime') {
    state.needs.caCertificates = true;
    state.needs.usrBinEnv = true;
  }
  // Tag parts such as distroless's `nonroot` and `debug` add to what the image provides.
  const variants = (base.tag ?? '').toLowerCase().split('-').flatMap((part) => (image.variants && Object.hasOwn(image.variants, part) ? [image.variants[part]!] : []));
  let config = image.config ?? {};
  for (const variant of variants) {
    for (const attr of variant.attrs ?? []) state.packages.set(attr, 'runtime');
    if (variant.shell || (variant.attrs ?? []).some((attr) => SHELL_PROVIDERS.has(attr))) state.hasShell = true;
    config = { ...config, ...variant.config, Env: { ...config.Env, ...variant.config?.Env } };
  }
  for (const [name, value] of Object.entries(config.Env ?? {})) state.env.set(name, value);
  if (config.User) state.user = config.User;
  state.config.User = config.User ?? null;
  state.config.Cmd = config.Cmd ?? null;
  state.config.Entrypoint = config.Entrypoint ?? null;
  state.config.ExposedPorts = [...(config.ExposedPorts ?? [])];
  state.config.Volumes = [...(config.Volumes ?? [])];
  state.config.StopSignal = config.StopSignal ?? null;
  if (config.WorkingDir) {
    state.workdir = config.WorkingDir;
    state.config.WorkingDir = config.WorkingDir;
    state.directories.set(config.WorkingDir, { path: config.WorkingDir, mode: null, owner: null });
  }
  for (const dir of image.directories ?? []) {
    const entry = typeof dir === 'string' ? { path: dir } : dir;
    state.directories.set(entry.path, { path: entry.path, mode: entry.mode ?? null, owner: entry.owner ?? null });
  }
  for (const [path, content] of Object.entries(image.files ?? {})) {
    state.files.push({ line: stage.instructions[0]!.line, source: { kind: 'text', content, name: path.split('/').pop()! }, dest: path, owner: null, mode: null });
  }
  for (const [path, target] of Object.entries(image.symlinks ?? {})) {
    const pkg = /^@([^@]+)@(.*)$/.exec(target);
    state.symlinks.set(path, { path, target: pkg ? { kind: 'package', attr: pkg[1]!, subpath: pkg[2]! } : { kind: 'path', path: target } });
  }
  for (const line of image.users ?? []) {
    const [name, , uid, gid, gecos, home, shell] = line.split(':');
    state.users.set(name!, { name: name!, uid: Number(uid), gid: Number(gid), gecos: gecos ?? '', home: home ?? '/', shell: shell ?? '/bin/sh' });
  }
  for (const line of image.groups ?? []) {
    const [name, , gid] = line.split(':');
    state.groups.set(name!, { name: name!, gid: Number(gid) });
  }
  return state;
}

interface DecideScope {
  decisions: DecisionLedger;
  secrets: SecretFinding[];
  dockerfile: Dockerfile;
  context: BuildContext;
  shell: ShellReader;
  rules: RuleSet;
  format: OutputFormat;
  copyRequests: CopyRequest[];
  mergedStages: Set<number>;
  states: Map<number, StageState>;
  /** The target stage's index. */
  target: number;
}

function report(instruction: Instruction, stage: number | null, outcome: Outcome & { details?: string[] }): InstructionReport {
  return {
    line: instruction.line,
    endLine: instruction.endLine,
    keyword: instruction.keyword,
    stage,
    status: outcome.status,
    rule: outcome.rule,
    message: outcome.message,
    details: outcome.details ?? [],
  };
}

function recordSecrets(into: SecretFinding[], line: number, keyword: SecretFinding['keyword'], pairs: Array<[string, string]>): SecretFinding[] {
  const found: SecretFinding[] = [];
  for (const [name, value] of pairs) {
    const reason = secretReason(name, value);
    if (reason) found.push({ line, keyword, name, reason, value });
  }
  into.push(...found);
  return found;
}

function describeArg(instruction: Instruction, secrets: SecretFinding[]): Outcome {
  if (instruction.keyword !== 'ARG') throw new Error('describeArg needs an ARG');
  const found = recordSecrets(secrets, instruction.line, 'ARG', instruction.args.filter((a) => a.value !== null).map((a) => [a.name, a.value!]));
  if (found.length) {
    return {
      status: 'approximated',
      rule: 'arg.secret',
      message: `build argument ${instruction.args.map((a) => a.name).join(', ')}: ${found.map((s) => `${s.name} looks like a secret (${s.reason})`).join('; ')}; it was substituted while converting, so check the generated files do not carry it into /nix/store`,
    };
  }
  const parts = instruction.args.map((arg) => (arg.value === null ? `${arg.name} (no default; pass --build-arg ${arg.name}=…)` : `${arg.name}=${arg.value}`));
  return { status: 'mapped', rule: 'arg', message: `build argument ${parts.join(', ')}: substituted while converting` };
}

function decide(instruction: Instruction, stage: Stage, state: StageState, scope: DecideScope): Outcome & { details?: string[] } {
  // Neither Nix strings, the image config nor a shell word can hold a NUL: nothing of such a line is used.
  if (holdsNul(instruction)) {
    return { status: 'manual', rule: 'instruction.nul', message: `${instruction.keyword} holds a NUL character, which no image config, Nix string or shell word can carry; not converted` };
  }
  return match(instruction)
    .with({ keyword: 'FROM' }, (from) => decideFrom(from.image, from.platform, state, scope, stage))
    .with({ keyword: 'ARG' }, (arg) => describeArg(arg, scope.secrets))
    .with({ keyword: 'RUN' }, (run) => decideRun(run, state, scope))
    .with({ keyword: 'COPY' }, { keyword: 'ADD' }, (copy) => decideCopy(copy, stage, state, scope))
    .with({ keyword: 'ENV' }, (env) => {
      for (const [name, value] of env.pairs) state.env.set(name, value);
      const secrets = recordSecrets(scope.secrets, env.line, 'ENV', env.pairs);
      if (secrets.length) {
        return {
          status: 'manual' as const,
          rule: 'env.secret',
          message: `environment: ${env.pairs.map(([n]) => n).join(', ')}; ${secrets.map((s) => `${s.name} looks like a secret (${s.reason})`).join('; ')}: in a Nix image it is world-readable in /nix/store and the image config, so pass it when the container starts (docker run -e ${secrets[0]!.name}) or mount it as a file`,
        };
      }
      if (env.pairs.some(([, value]) => value.startsWith('https://'))) needsCertificates(state, `line ${env.line}: an https:// address in ENV`);
      if (env.pairs.some(([name]) => name === 'TZ')) {
        state.needs.tzdata = true;
        state.needReasons.push(`line ${env.line}: TZ is set`);
      }
      return { status: 'mapped' as const, rule: 'env', message: `environment: ${env.pairs.map(([n]) => n).join(', ')}` };
    })
    .with({ keyword: 'WORKDIR' }, (workdir) => {
      state.workdir = workdir.path;
      state.config.WorkingDir = workdir.path;
      if (!state.directories.has(workdir.path)) state.directories.set(workdir.path, { path: workdir.path, mode: null, owner: null });
      return { status: 'mapped' as const, rule: 'workdir', message: `working directory ${workdir.path}, created in the image` };
    })
    .with({ keyword: 'USER' }, (user) => decideUser(user.user, user.group, state))
    .with({ keyword: 'EXPOSE' }, (expose) => {
      const ports = expose.ports.map((p) => (p.includes('/') ? p.toLowerCase() : `${p}/tcp`));
      for (const port of ports) if (!state.config.ExposedPorts.includes(port)) state.config.ExposedPorts.push(port);
      return { status: 'mapped' as const, rule: 'expose', message: `exposed ports ${ports.join(' ')}` };
    })
    .with({ keyword: 'CMD' }, (cmd) => {
      const { argv, outcome } = commandArgv(cmd.command, state, 'CMD');
      state.config.Cmd = argv;
      return outcome;
    })
    .with({ keyword: 'ENTRYPOINT' }, (entrypoint) => {
      const { argv, outcome } = commandArgv(entrypoint.command, state, 'ENTRYPOINT');
      state.config.Entrypoint = argv;
      // Docker: setting ENTRYPOINT resets a CMD inherited from the base image.
      if (!stageSetsCmdBefore(stage, entrypoint.line)) state.config.Cmd = null;
      return outcome;
    })
    .with({ keyword: 'LABEL' }, (label) => {
      for (const [name, value] of label.pairs) upsert(state.config.Labels, name, value);
      recordSecrets(scope.secrets, label.line, 'LABEL', label.pairs);
      return { status: 'mapped' as const, rule: 'label', message: `labels ${label.pairs.map(([n]) => n).join(', ')}` };
    })
    .with({ keyword: 'MAINTAINER' }, (maintainer) => {
      upsert(state.config.Labels, 'maintainer', maintainer.maintainer);
      return { status: 'approximated' as const, rule: 'maintainer', message: 'MAINTAINER is deprecated; kept as the "maintainer" label' };
    })
    .with({ keyword: 'VOLUME' }, (volume) => {
      for (const path of volume.paths) if (!state.config.Volumes.includes(path)) state.config.Volumes.push(path);
      return { status: 'mapped' as const, rule: 'volume', message: `volumes ${volume.paths.join(' ')}` };
    })
    .with({ keyword: 'STOPSIGNAL' }, (signal) => {
      state.config.StopSignal = signal.signal;
      return { status: 'mapped' as const, rule: 'stopsignal', message: `stop signal ${signal.signal}` };
    })
    .with({ keyword: 'HEALTHCHECK' }, (health) => decideHealthcheck(health, state, scope.format))
    .with({ keyword: 'SHELL' }, (shell) => {
      state.shell = shell.argv;
      return { status: 'mapped' as const, rule: 'shell', message: `shell-form commands run with ${shell.argv.join(' ')}` };
    })
    .with({ keyword: 'ONBUILD' }, () => ({
      status: 'ignored' as const,
      rule: 'onbuild',
      message: 'ONBUILD triggers run only when another Dockerfile builds FROM this image; Nix images are extended in Nix instead',
    }))
    .exhaustive();
}

/** Whether any string in the value (an instruction's fields, at any depth) holds a NUL character. */
function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return true;
    } else if (item !== null && typeof item === 'object') pending.push(...Object.values(item));
  }
  return false;
}

function upsert(list: Array<[string, string]>, name: string, value: string): void {
  const existing = list.findIndex(([n]) => n === name);
  if (existing === -1) list.push([name, value]);
  else list[existing] = [name, value];
}

function stageSetsCmdBefore(stage: Stage, line: number): boolean {
  return stage.instructions.some((i) => i.keyword === 'CMD' && i.line < line);
}

function decideFrom(image: string, platform: string | null, state: StageState, scope: DecideScope, stage: Stage): Outcome {
  const notes: string[] = [];
  if (platform && !/^linux\/amd64$/.test(platform)) notes.push(`--platform ${platform}: build for that system by choosing the flake's system (pkgsCross or a remote builder)`);
  if (stage.parentStage !== null) {
    return { status: 'mapped', rule: 'from.stage', message: `continues stage ${stageLabel(scope.dockerfile.stages[stage.parentStage]!)}${notes.length ? `; ${notes.join('; ')}` : ''}` };
  }
  const { base } = state;
  if (base.digest) notes.push('the digest pins the base image; in Nix the flake.lock pins every package instead');
  if (!base.image) {
    return {
      status: 'manual',
      rule: 'from.unknown',
      message: `base image ${image} has no known Nix equivalent; the Nix image starts empty: add what the program needs from it`,
    };
  }
  const runtime = base.image.runtime ? state.runtimes[base.image.runtime] : undefined;
  const provides = [...base.image.attrs, ...(runtime ? [runtime.attr] : [])];
  let status: Status = base.image.confidence === 'low' ? 'approximated' : 'mapped';
  if (runtime?.substitution) {
    status = 'approximated';
    notes.push(runtime.substitution);
  }
  if (base.image.kind === 'empty') return { status: 'mapped', rule: 'from.scratch', message: 'scratch: the image starts empty' };
  if (base.image.confidence !== 'exact' && base.image.note) notes.push(base.image.note);
  return {
    status,
    rule: `from.${base.image.kind}`,
    message: `${image} → ${provides.length ? provides.join(', ') : 'no packages'}${notes.length ? `; ${notes.join('; ')}` : ''}`,
  };
}

function decideUser(user: string, group: string | null, state: StageState): Outcome {
  state.user = group ? `${user}:${group}` : user;
  state.config.User = state.user;
  if (user === 'root' || user === '0') return { status: 'mapped', rule: 'user', message: 'runs as root' };
  if (/^\d+$/.test(user)) return { status: 'mapped', rule: 'user', message: `runs as uid ${user}${group ? `, gid ${group}` : ''}` };
  const known = state.users.get(user);
  if (known) return { status: 'mapped', rule: 'user', message: `runs as ${user} (uid ${known.uid}); /etc/passwd and /etc/group come from fakeNss` };
  if (user === 'nobody') return { status: 'mapped', rule: 'user', message: 'runs as nobody, which fakeNss provides' };
  if (/[:\u0000-\u001f\u007f]/.test(`${user}${group ?? ''}`)) {
    return { status: 'manual', rule: 'user.unknown', message: `user ${JSON.stringify(user)}: a name with a ":" or a control character cannot be an /etc/passwd entry; not added` };
  }
  const wellKnown = user === 'nonroot' ? userIds(user, state) : undefined;
  if (wellKnown) {
    state.users.set(user, { name: user, uid: wellKnown.uid, gid: wellKnown.gid, gecos: '', home: '/home/nonroot', shell: '/sbin/nologin' });
    if (!state.groups.has(user)) state.groups.set(user, { name: user, gid: wellKnown.gid });
    return { status: 'mapped', rule: 'user', message: `runs as the distroless image's ${user} (uid ${wellKnown.uid}), added to /etc/passwd through fakeNss` };
  }
  // A user the base image had but we do not know: give it an entry (and a group) so the name resolves.
  const taken = new Set([...state.users.values()].map((u) => u.uid));
  let uid = 1000;
  while (taken.has(uid)) uid++;
  const gid = group && /^\d+$/.test(group) ? Number(group) : (state.groups.get(group ?? user)?.gid ?? uid);
  if (!group || !/^\d+$/.test(group)) state.groups.set(group ?? user, { name: group ?? user, gid });
  state.users.set(user, { name: user, uid, gid, gecos: '', home: '/', shell: '/bin/sh' });
  return { status: 'approximated', rule: 'user.unknown', message: `user ${user} is not created in this Dockerfile (the base image may have had it); added to /etc/passwd with uid ${state.users.get(user)!.uid}` };
}

/** The image fetched over TLS in Docker, so it had CA certificates; the Nix image gets them too. */
function needsCertificates(state: StageState, reason: string): void {
  if (state.needs.caCertificates) return;
  state.needs.caCertificates = true;
  state.needReasons.push(reason);
}

function commandArgv(command: CommandForm, state: StageState, keyword: string): { argv: string[]; outcome: Outcome } {
  const text = command.form === 'exec' ? command.argv.join(' ') : command.command;
  if (/https:\/\//.test(text)) needsCertificates(state, `${keyword} uses an https:// address`);
  if (command.form === 'exec') {
    return { argv: command.argv, outcome: { status: 'mapped', rule: keyword.toLowerCase(), message: `${keyword} ${JSON.stringify(command.argv)}` } };
  }
  const argv = [...state.shell, command.command];
  if (!state.hasShell) {
    state.needs.binSh = true;
    state.needReasons.push(`${keyword} in shell form needs /bin/sh`);
    return { argv, outcome: { status: 'approximated', rule: `${keyword.toLowerCase()}.shell-form`, message: `${keyword} in shell form runs through ${state.shell.join(' ')}; dockerTools.binSh adds /bin/sh, which the base image did not have` } };
  }
  return { argv, outcome: { status: 'mapped', rule: `${keyword.toLowerCase()}.shell-form`, message: `${keyword} in shell form runs through ${state.shell.join(' ')}` } };
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
function nanoseconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = DURATION.exec(value);
  if (!m) return undefined;
  const factor = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * factor);
}

function decideHealthcheck(health: Extract<Instruction, { keyword: 'HEALTHCHECK' }>, state: StageState, format: OutputFormat): Outcome {
  if (!health.test) {
    state.config.Healthcheck = { Test: ['NONE'] };
    return { status: 'mapped', rule: 'healthcheck.none', message: 'HEALTHCHECK NONE: no health check' };
  }
  const test = health.test.form === 'exec' ? ['CMD', ...health.test.argv] : ['CMD-SHELL', health.test.command];
  if (health.test.form === 'shell' && !state.hasShell) {
    state.needs.binSh = true;
    state.needReasons.push('HEALTHCHECK in shell form needs /bin/sh');
  }
  const numbers = {
    Interval: nanoseconds(health.options.interval),
    Timeout: nanoseconds(health.options.timeout),
    StartPeriod: nanoseconds(health.options['start-period']),
    StartInterval: nanoseconds(health.options['start-interval']),
    Retries: health.options.retries ? Number(health.options.retries) : undefined,
  };
  // Docker keeps these as 64-bit integers; a value JavaScript cannot hold exactly (or not a count) is not guessed.
  const bad = Object.entries(numbers).find(([, value]) => value !== undefined && (!Number.isSafeInteger(value) || value < 0));
  if (bad) {
    return { status: 'manual', rule: 'healthcheck.number', message: `HEALTHCHECK ${bad[0]}: ${JSON.stringify(bad[0] === 'Retries' ? health.options.retries : bad[1])} is not a duration or count dock2nix can write exactly; the health check is not kept` };
  }
  state.config.Healthcheck = {
    Test: test,
    ...numbers,
  };
  const added = healthcheckTools(health.test, state);
  if (format === 'nix2container') {
    return { status: 'manual', rule: 'healthcheck.nix2container', message: 'nix2container keeps only OCI config fields and drops Healthcheck; define the check in your orchestrator (Compose, Kubernetes probes)' };
  }
  const tools = added.length ? `; adds ${added.join(', ')}, which the check calls and the Nix image would otherwise lack` : '';
  return { status: 'approximated', rule: 'healthcheck.dockertools', message: `kept as Healthcheck in the image config; Docker reads it from the config, but OCI runtimes and Kubernetes ignore it${tools}` };
}

/** Programs health checks commonly call, and the nixpkgs attribute that provides each. */
const HEALTHCHECK_TOOLS = new Map([
  ['curl', 'curl'],
  ['wget', 'wget'],
]);

/**
 * The check runs inside the image: a curl or wget it calls must be there. Base images often ship one (Alpine's
 * busybox has wget) that the Nix image does not; add it unless the image already has it.
 */
function healthcheckTools(test: CommandForm, state: StageState): string[] {
  const words = test.form === 'exec' ? [test.argv[0] ?? ''] : test.command.split(/&&|\|\||[;|\n]/).map((part) => part.trim().split(/\s+/)[0] ?? '');
  const added: string[] = [];
  for (const word of words) {
    const attr = HEALTHCHECK_TOOLS.get(word.replace(/^.*\//, ''));
    if (!attr || state.packages.get(attr) === 'runtime' || (attr === 'wget' && state.packages.get('busybox') === 'runtime')) continue;
    state.packages.set(attr, 'runtime');
    state.removed.delete(attr);
    added.push(attr);
  }
  return added;
}

function decideRun(run: Extract<Instruction, { keyword: 'RUN' }>, state: StageState, scope: DecideScope): Outcome & { details: string[] } {
  const env = { ...run.env, ...Object.fromEntries(state.env) };
  const commandScope: CommandScope = { rules: scope.rules, decisions: scope.decisions, stage: state, context: scope.context, shell: scope.shell, line: run.line, env: { ...env } };
  const outcomes: Outcome[] = [];
  const details: string[] = [];
  const mountNotes: string[] = [];
  for (const mount of run.mounts) {
    if (mount.type === 'cache') mountNotes.push(`cache mount ${mount.target ?? ''} is not needed: Nix caches whole derivations`);
    else if (mount.type === 'secret' || mount.type === 'ssh') mountNotes.push(`${mount.type} mount: secrets must not go into the Nix store; fetch with a fixed-output derivation or provide the result`);
    else if (mount.type === 'bind') mountNotes.push(`bind mount ${mount.source ?? ''}${mount.from ? ` from ${mount.from}` : ''}: the files are part of the derivation's source`);
    else mountNotes.push(`${mount.type} mount`);
  }
  const scripts: Array<{ script: string; label: string }> = [];
  if (run.heredocs.length) {
    const command = run.heredocs[0]!.command;
    const shellLike = command === '' || /^(\/bin\/|\/usr\/bin\/)?(sh|bash|ash|dash)( -[a-z]+)*$/.test(command);
    if (!shellLike) {
      state.unhandled.push({ line: run.line, source: run.text });
      return { status: 'manual', rule: 'run.heredoc.interpreter', message: `heredoc run by "${command}": not a shell script, so it needs manual work`, details: mountNotes };
    }
    for (const heredoc of run.heredocs) scripts.push({ script: heredoc.content, label: `heredoc ${heredoc.name}` });
  } else if (run.run.form === 'exec') {
    scripts.push({ script: run.run.argv.map(shellQuote).join(' '), label: 'exec form' });
  } else {
    scripts.push({ script: run.run.command, label: 'shell form' });
  }
  for (const { script } of scripts) {
    const analysis = analyzeShell(scope.shell, script, env, state.workdir);
    if (!analysis.ok) {
      state.unhandled.push({ line: run.line, source: script });
      return { status: 'manual', rule: 'run.parse-error', message: `the shell cannot parse this RUN (line ${run.line + analysis.line - 1}: ${analysis.error})`, details: mountNotes };
    }
    // What the script exports is its own: each RUN is a new shell, and the image's Env never holds it.
    for (const [name, value] of Object.entries(analysis.exports)) if (value !== null) commandScope.env[name] = value;
    for (const command of analysis.commands) {
      if (command.words.some((w) => w.text?.startsWith('https://'))) needsCertificates(state, `line ${run.line}: fetches over TLS`);
      const outcome = ruleForCommand(command, commandScope);
      outcomes.push(outcome);
      details.push(`${outcome.status}: ${outcome.message}`);
      if ((outcome.status === 'manual' || outcome.status === 'approximated' && outcome.rule === 'run.rm') && !state.unhandled.some((u) => u.line === run.line && u.source === command.source)) {
        state.unhandled.push({ line: run.line, source: command.source, after: buildStepCount(state) });
      }
    }
  }
  if (outcomes.length === 1) details.length = 0;
  details.push(...mountNotes);
  if (outcomes.length === 0) return { status: 'ignored', rule: 'run.empty', message: 'no commands', details };
  const status = worst(outcomes);
  const counted = (['mapped', 'approximated', 'manual', 'ignored'] as const)
    .map((s) => [s, outcomes.filter((o) => o.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const message = outcomes.length === 1 ? outcomes[0]!.message : `${outcomes.length} commands (${counted.join(', ')})`;
  const rule = outcomes.length === 1 ? outcomes[0]!.rule : `run.${status}`;
  return { status, rule, message: mountNotes.length && outcomes.length === 1 ? `${message}; ${mountNotes.join('; ')}` : message, details };
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function decideCopy(copy: Extract<Instruction, { keyword: 'COPY' | 'ADD' }>, stage: Stage, state: StageState, scope: DecideScope): Outcome & { details?: string[] } {
  const notes: string[] = [];
  if (copy.link) notes.push('--link has no effect in Nix, where layers are content-addressed already');
  if (copy.otherFlags.length) notes.push(`flags not converted: ${copy.otherFlags.join(' ')}`);
  // What these change (files left out, the source folders kept) is not done here, so the line cannot be mapped.
  const unconverted = copy.otherFlags.filter((flag) => /^--(exclude|parents)(=|$)/.test(flag));
  if (unconverted.length) {
    return { status: 'manual', rule: 'copy.flags', message: `${copy.keyword} ${unconverted.join(' ')}: not converted, and without it the image would get files Docker leaves out or puts elsewhere; nothing was placed: place these files by hand` };
  }
  const owner = copy.chown ? numericOwner(copy.chown, state) : null;
  if (copy.chown && !owner) notes.push(`--chown=${copy.chown}: user or group not known, files stay owned by root`);
  if (copy.chmod !== null && !isValidMode(copy.chmod)) {
    return { status: 'manual', rule: 'copy.chmod', message: `${copy.keyword} --chmod=${JSON.stringify(copy.chmod)}: not a mode dock2nix understands; nothing was placed` };
  }
  const destIsDir = copy.dest.endsWith('/') || copy.sources.length > 1 || copy.dest === '.';
  const dest = resolvePath(copy.workdir, copy.dest);
  const keyword = copy.keyword;

  if (copy.heredocs.length) {
    for (const heredoc of copy.heredocs) {
      const path = destIsDir || copy.heredocs.length > 1 ? joinImagePath(dest, heredoc.name) : dest;
      state.files.push({ line: copy.line, source: { kind: 'text', content: heredoc.content, name: path.split('/').pop() || 'file' }, dest: path, owner, mode: copy.chmod });
    }
    return { status: 'mapped', rule: 'copy.heredoc', message: `${keyword} heredoc → ${dest}${notes.length ? `; ${notes.join('; ')}` : ''}` };
  }

  if (copy.from) {
    const source = stageReference(scope.dockerfile, copy.from, stage.index);
    if (source === null) {
      return {
        status: 'manual',
        rule: 'copy.from-image',
        message: `${keyword} --from=${copy.from}: copies from an image Nix cannot read; package what it provides (or fetch it with dockerTools.pullImage) and place it by hand`,
      };
    }
    const outcomes: Outcome[] = [];
    const sourceState = scope.states.get(source);
    const requested = copy.sources.flatMap((src) => {
      const from = resolvePath(sourceState?.workdir ?? '/', src);
      if (!hasWildcard(from)) return [{ src, from }];
      // A wildcard matches what the stage made, as far as the plan knows it; never a literal `*` in a path.
      const pattern = globRegExp(from);
      const matches = knownStagePaths(sourceState).filter((known) => pattern.test(known));
      if (!matches.length) {
        outcomes.push({
          status: 'manual',
          rule: 'copy.from-stage.wildcard',
          message: `${from} from stage ${stageLabel(scope.dockerfile.stages[source]!)}: a wildcard over files the build makes, which dock2nix cannot list; name the files it matches`,
        });
        return [];
      }
      return matches.map((match) => ({ src: match, from: match }));
    });
    for (const { src, from } of requested) {
      const name = from.split('/').pop() || '';
      // Docker merges a folder's contents into the destination and puts a file inside a destination folder.
      const kind = src.endsWith('/') || src.endsWith('/.') ? 'dir' : stageSourceKind(from, sourceState);
      const target = destIsDir && kind !== 'dir' ? joinImagePath(dest, name) : dest;
      if (destIsDir && kind === 'unknown') notes.push(`${from} is taken to be a file (placed as ${target}); if the build makes it a folder, its contents belong in ${dest}`);
      const special = specialStageCopy(from, state);
      if (special) {
        outcomes.push(special);
        continue;
      }
      const passed = sourceState ? stageCacheCopy(from, sourceState, scope.context) : null;
      if (passed?.kind === 'cache') {
        outcomes.push({ status: 'ignored', rule: 'copy.from-stage.cache', message: `${passed.message} (stage ${stageLabel(scope.dockerfile.stages[source]!)})` });
        continue;
      }
      if (passed?.kind === 'context' && stage.index !== scope.target) {
        // A build stage taking context files another stage only passed on: they are part of its own source.
        state.files.push({ line: copy.line, source: { kind: 'context', path: passed.path, directory: passed.directory }, dest: target, owner, mode: copy.chmod });
        state.contextCopies.push({ line: copy.line, source: passed.path, directory: passed.directory, dest: target });
        state.contextFiles.set(passed.directory ? `${target}/` : target, passed.path);
        outcomes.push({ status: 'mapped', rule: 'copy.from-stage.context', message: `${from} from stage ${stageLabel(scope.dockerfile.stages[source]!)} is ${passed.path || '.'} of the build context, unchanged there: part of this stage's source` });
        continue;
      }
      const installed = sourceState ? installedNodeModules(sourceState, from) : null;
      if (installed) {
        // A "deps" stage: what it installed comes from the lock file in this stage's own derivation instead.
        state.npm.push(...installed);
        state.buildLines.push(copy.line);
        scope.mergedStages.add(source);
        const manager = installed[0]!.manager;
        outcomes.push({
          status: 'mapped',
          rule: 'copy.from-stage.node-modules',
          message: `${from} from stage ${stageLabel(scope.dockerfile.stages[source]!)}: the dependencies that stage installed (${manager} ${installed.map((s) => s.action).join(', ')}) are installed from the lock file in this stage's derivation`,
        });
        continue;
      }
      state.stageCopyDests.push(target);
      scope.copyRequests.push({ stage: source, line: copy.line, from, dest: target, trailingSlash: src.endsWith('/') || src.endsWith('/.'), owner, mode: copy.chmod, into: state.index });
      outcomes.push({ status: 'mapped', rule: 'copy.from-stage', message: `${from} from stage ${stageLabel(scope.dockerfile.stages[source]!)} → ${target}` });
    }
    return { status: worst(outcomes), rule: outcomes.length === 1 ? outcomes[0]!.rule : 'copy.from-stage', message: `${outcomes.map((o) => o.message).join('; ')}${notes.length ? `; ${notes.join('; ')}` : ''}` };
  }

  const placed: string[] = [];
  const problems: string[] = [];
  for (const src of copy.sources) {
    if (keyword === 'ADD' && /^(https?|git|ssh):\/\/|^git@/.test(src)) {
      problems.push(`ADD ${src}: a download; use pkgs.fetchurl (or fetchgit) with a hash`);
      continue;
    }
    const clean = normaliseContextPath(src);
    if (clean === null) {
      problems.push(`${src} is outside the build context (Docker refuses it too)`);
      continue;
    }
    const matches = hasWildcard(clean) ? scope.context.glob(clean) : scope.context.kind(clean) ? [clean] : [];
    if (matches.length === 0) {
      problems.push(`${src} is not in the build context`);
      continue;
    }
    for (const matchPath of matches) {
      const kind = scope.context.kind(matchPath);
      if (kind === null) continue;
      const directory = kind === 'dir';
      if (keyword === 'ADD' && !directory && /\.(tar|tar\.gz|tgz|tar\.bz2|tar\.xz)$/.test(matchPath)) {
        problems.push(`ADD ${matchPath}: Docker unpacks local archives; unpack it in the Nix source instead`);
        continue;
      }
      const name = matchPath === '' ? '' : matchPath.split('/').pop()!;
      const target = directory ? (hasWildcard(clean) && destIsDir ? joinImagePath(dest, name) : dest) : destIsDir ? joinImagePath(dest, name) : dest;
      state.files.push({ line: copy.line, source: { kind: 'context', path: matchPath, directory }, dest: target, owner, mode: copy.chmod });
      state.contextCopies.push({ line: copy.line, source: matchPath, directory, dest: target });
      if (directory) state.contextFiles.set(`${target}/`, matchPath);
      else state.contextFiles.set(target, matchPath);
      placed.push(`${matchPath || '.'} → ${target}`);
    }
  }
  if (keyword === 'ADD' && placed.length) notes.push('ADD of local files works as COPY');
  const status: Status = problems.length ? 'manual' : keyword === 'ADD' || notes.some((n) => n.startsWith('--chown')) ? 'approximated' : 'mapped';
  const message = [placed.length ? `${placed.join(', ')}` : '', ...problems, ...notes].filter(Boolean).join('; ');
  return { status, rule: problems.length ? 'copy.missing' : 'copy.context', message };
}

/** A name inside an image folder: `/` + `x` is `/x`, not `//x`. */
function joinImagePath(folder: string, name: string): string {
  return folder === '/' ? `/${name}` : `${folder}/${name}`;
}

/** Paths a stage is known to have made or copied: context copies, Go outputs, Cargo binaries. */
function knownStagePaths(source: StageState | undefined): string[] {
  if (!source) return [];
  const paths = new Set<string>();
  for (const key of source.contextFiles.keys()) paths.add(key.replace(/\/$/, ''));
  for (const step of source.go) if (step.output) paths.add(step.output);
  for (const step of source.cargo) for (const bin of step.bins) paths.add(`${step.cwd.replace(/\/$/, '')}/target/${step.release ? 'release' : 'debug'}/${bin}`);
  return [...paths].sort();
}

/** Folder names builds leave their output in. */
const BUILD_FOLDERS = new Set(['.next', '.output', '.svelte-kit', 'build', 'dist', 'lib', 'node_modules', 'out', 'public', 'site', 'standalone', 'static', 'target', 'vendor', 'www', 'html']);

/**
 * Whether a path another stage made is a folder or a file, as far as the plan can tell: what that stage copied
 * from the context, a file name's extension, the folders builds write, the binaries Go and Cargo steps produce.
 */
function stageSourceKind(from: string, source: StageState | undefined): 'dir' | 'file' | 'unknown' {
  if (source?.contextFiles.has(`${from}/`) || source?.directories.has(from)) return 'dir';
  if (source?.contextFiles.has(from)) return 'file';
  // A folder the stage made or filled deeper down (`mkdir -p /app/_build/prod/rel/shop/bin`).
  const below = `${from.replace(/\/$/, '')}/`;
  if (source && [...source.directories.keys(), ...source.contextFiles.keys()].some((known) => known.startsWith(below))) return 'dir';
  const name = from.split('/').pop() ?? '';
  if (BUILD_FOLDERS.has(name)) return 'dir';
  if (/^[^.].*\.[A-Za-z0-9]{1,8}$/.test(name)) return 'file';
  if (source?.go.some((step) => step.output === from) || /\/(bin|release|debug)\/[^/]+$/.test(from)) return 'file';
  return 'unknown';
}

/** The install steps behind `<dir>/node_modules` of a stage that installed packages there (npm ci, yarn, pnpm install). */
function installedNodeModules(source: StageState, from: string): NpmStep[] | null {
  const match = /^(.*)\/node_modules\/?$/.exec(from);
  if (!match) return null;
  const dir = match[1] || '/';
  const steps = source.npm.filter((step) => step.action !== 'run' && step.cwd === dir);
  return steps.length ? steps : null;
}

/** Files a stage copies only to get what Nix provides itself: certificates, time zones, passwd. */
function specialStageCopy(from: string, state: StageState): Outcome | null {
  if (/^\/etc\/ssl\/certs(\/|$)|^\/etc\/pki\//.test(from)) {
    state.needs.caCertificates = true;
    state.needReasons.push(`CA certificates copied from a build stage (${from})`);
    return { status: 'mapped', rule: 'copy.ca-certificates', message: `${from}: dockerTools.caCertificates provides the CA bundle` };
  }
  if (/^\/usr\/share\/zoneinfo(\/|$)/.test(from)) {
    state.needs.tzdata = true;
    state.needReasons.push(`time zone data copied from a build stage (${from})`);
    return { status: 'mapped', rule: 'copy.tzdata', message: `${from}: tzdata provides the time zone database` };
  }
  if (/^\/etc\/(passwd|group)$/.test(from)) {
    return { status: 'approximated', rule: 'copy.passwd', message: `${from}: /etc/passwd and /etc/group come from fakeNss with the users this Dockerfile creates` };
  }
  return null;
}

/** Context-relative path without `./`, or null when it climbs out of the context. */
export function normaliseContextPath(src: string): string | null {
  const parts: string[] = [];
  for (const part of src.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

