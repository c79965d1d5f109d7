/** A Go stage's derivation: buildGoModule with the packages, flags and outputs its `go build` lines gave. */
import { resolvePath } from '../../container-path.js';
import type { StageState } from '../../convert/stage.js';
import type { BuildPlan } from '../../convert/types.js';
import { chooseRuntime } from '../../rules/lookup.js';
import { relativeTo, unique } from '../build-helpers.js';
import type { BuildInput, BuildPart } from '../define.js';

export function planGo(state: StageState, input: BuildInput): BuildPart {
  const { context, read, root } = input;
  let pname = input.name;
  let builtBinaries: BuildPart['builtBinaries'] = [];
  let resolveSpecial: BuildPart['resolveSpecial'];
  const goMod = read('go.mod');
  const module = goMod ? (/^module\s+(\S+)/m.exec(goMod)?.[1] ?? null) : null;
  const hasRequires = goMod ? /^require\b/m.test(goMod) : true;
  const vendored = context.kind(root ? `${root}/vendor` : 'vendor') === 'dir';
  // The tag's Go version wins; without one (golang:alpine, latest), go.mod's `go` line chooses.
  const goLine = goMod ? /^go\s+(\d+\.\d+)/m.exec(goMod)?.[1] : undefined;
  const runtime = state.runtimes.go?.requested || !goLine ? state.runtimes.go : chooseRuntime(input.rules, 'go', goLine);
  const binaries: Array<{ installed: string; wanted: string }> = [];
  const subPackages: string[] = [];
  const goBuilds = state.go.filter((step) => step.make === undefined);
  for (const step of goBuilds) {
    for (const pkg of step.packages) {
      const rel = relativeTo(state.workdir, resolvePath(step.cwd, pkg));
      const sub = rel === null || rel === '' ? '.' : rel;
      if (!subPackages.includes(sub)) subPackages.push(sub);
      const installed = sub === '.' ? (moduleBinary(module) ?? pname) : sub.split('/').pop()!;
      const wanted = step.output ? step.output.split('/').pop()! : installed;
      binaries.push({ installed, wanted });
    }
  }
  if (module) pname = moduleBinary(module) ?? pname;
  const make = state.go.filter((step) => step.make !== undefined).map((step) => ({ line: step.line, source: step.make! }));
  const build: BuildPlan = {
    kind: 'go',
    builder: runtime?.builder ?? 'buildGoModule',
    subPackages,
    ldflags: unique(goBuilds.flatMap((s) => s.ldflags)),
    tags: unique(goBuilds.flatMap((s) => s.tags)),
    cgo: state.go.some((s) => s.cgo === false) ? false : state.go.some((s) => s.cgo === true) ? true : null,
    vendorHash: vendored || !hasRequires ? null : 'unknown',
    binaries,
    make,
    line: state.go[0]!.line,
  };
  if (!make.length) {
    builtBinaries = goBuilds.filter((s) => s.output).map((s) => ({ path: s.output!, bin: s.output!.split('/').pop()! }));
    resolveSpecial = (from) => {
      const step = goBuilds.find((s) => s.output === from);
      if (step) return { path: `bin/${step.output!.split('/').pop()}` };
      const gopathBin = /^\/go\/bin\/([^/]+)$/.exec(from);
      if (gopathBin) return { path: `bin/${gopathBin[1]}` };
      return null;
    };
  }
  return { build, pname, builtBinaries, resolveSpecial };
}

function moduleBinary(module: string | null): string | null {
  if (!module) return null;
  const parts = module.split('/');
  const last = parts[parts.length - 1]!;
  return /^v\d+$/.test(last) && parts.length > 1 ? parts[parts.length - 2]! : last;
}
