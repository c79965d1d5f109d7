/**
 * An Elixir stage's derivation: mixRelease (pkgs/development/beam-modules/mix-release.nix) of the BEAM package set
 * of the build image's Erlang/OTP (pkgs/top-level/beam-packages.nix: beamMinimal<N>Packages), with the Elixir of
 * its tag and mixFodDeps from fetchMixDeps (fetch-mix-deps.nix), whose hash the user pastes after a first build.
 */
import type { StageState } from '../../convert/stage.js';
import type { MixBuild } from '../../convert/types.js';
import { chooseRuntime } from '../../rules/lookup.js';
import { relativeTo } from '../build-helpers.js';
import type { BuildInput, BuildPart } from '../define.js';

/**
 * The Elixir versions of pkgs/development/beam-modules/default.nix (elixir_1_17 … elixir_1_20) and the Erlang/OTP
 * majors each accepts (pkgs/development/interpreters/elixir/1.*.nix: minimumOTPVersion, maximumOTPVersion).
 * 1.15 and 1.16 were removed with erlang_26 (beam-packages.nix).
 */
export const ELIXIR_VERSIONS: Readonly<Record<string, { attr: string; otp: readonly number[] }>> = {
  '1.17': { attr: 'elixir_1_17', otp: [25, 27] },
  '1.18': { attr: 'elixir_1_18', otp: [25, 99] },
  '1.19': { attr: 'elixir_1_19', otp: [26, 28] },
  '1.20': { attr: 'elixir_1_20', otp: [27, 29] },
};
/** beam-modules' `elixir` (what mixRelease uses unless told). */
const DEFAULT_ELIXIR = '1.18';

const minor = (v: string) => Number(v.split('.')[1]);

/** The Elixir and OTP versions a base image's tag names: `hexpm/elixir:1.15.6-erlang-26.1-debian-…`, `elixir:1.16-otp-26-alpine`. */
export function beamVersions(name: string, tag: string | null): { elixir: string | null; otp: string | null } {
  if (!/(^|\/)elixir$/.test(name)) return { elixir: null, otp: null };
  const t = (tag ?? 'latest').toLowerCase();
  const elixir = /^(\d+\.\d+)/.exec(t)?.[1] ?? null;
  const otp = /(?:^|-)(?:erlang|otp)-(\d+)/.exec(t)?.[1] ?? null;
  return { elixir, otp };
}

export function planMix(state: StageState, input: BuildInput): BuildPart {
  const steps = state.mix;
  const release = [...steps].reverse().find((s) => s.task === 'release');
  const deps = steps.find((s) => s.task === 'deps.get');
  const first = steps[0]!;
  const problems: NonNullable<BuildPart['problems']> = [];
  const line = (deps ?? release ?? first).line;
  if (!release) {
    problems.push({
      line: first.line,
      status: 'manual',
      message:
        'the stage runs no mix release: dock2nix builds a release (mixRelease), but running mix from the sources at run time as the image does needs Mix, Hex and the dependencies in the image; build a release or package the stage by hand',
    });
  }

  // Elixir: the tag's, else beam-modules' default; a version nixpkgs no longer has becomes the nearest it has.
  const wanted = beamVersions(state.base.name, state.base.tag);
  const known = Object.keys(ELIXIR_VERSIONS).sort((a, b) => minor(a) - minor(b));
  let elixir = wanted.elixir ?? DEFAULT_ELIXIR;
  if (!ELIXIR_VERSIONS[elixir]) {
    const nearest = known.find((v) => minor(v) > minor(elixir)) ?? known[known.length - 1]!;
    problems.push({
      line,
      status: 'approximated',
      message: `Elixir ${elixir} is not in nixpkgs (1.15 and 1.16 were removed with Erlang/OTP 26); using Elixir ${nearest} (${ELIXIR_VERSIONS[nearest]!.attr}), the nearest version it carries`,
    });
    elixir = nearest;
  } else if (wanted.elixir === null) {
    problems.push({
      line,
      status: 'approximated',
      message: `the build image names no Elixir version: using Elixir ${elixir} (${ELIXIR_VERSIONS[elixir]!.attr}, nixpkgs' default)`,
    });
  }
  // Erlang/OTP: the tag's (through the erlang table), else the newest this Elixir accepts up to nixpkgs' default.
  const otpChoice = chooseRuntime(input.rules, 'erlang', wanted.otp);
  let otp = otpChoice.version;
  if (otpChoice.substitution) problems.push({ line, status: 'approximated', message: `the build's Erlang/OTP: ${otpChoice.substitution}` });
  else if (wanted.otp === null)
    problems.push({ line, status: 'approximated', message: `the build image names no Erlang/OTP version: using OTP ${otp} (${otpChoice.attr})` });
  const [low, high] = ELIXIR_VERSIONS[elixir]!.otp;
  let beam = otpChoice.attr;
  if (Number(otp) < low! || Number(otp) > high!) {
    const accepted = chooseRuntime(input.rules, 'erlang', String(Math.min(Math.max(Number(otp), low!), high!)));
    problems.push({
      line,
      status: 'approximated',
      message: `Elixir ${elixir} does not build with Erlang/OTP ${otp} (it accepts ${low}–${high === 99 ? 'any newer' : high}); using OTP ${accepted.version} (${accepted.attr})`,
    });
    otp = accepted.version;
    beam = accepted.attr;
  }

  const env = release?.env ?? [...steps].reverse().find((s) => s.env !== null)?.env ?? 'dev';
  const project = input.read('mix.exs');
  const app = project ? /\bapp:\s*:([a-z_][a-z0-9_]*)/.exec(project)?.[1] : undefined;
  const version = project ? /\bversion:\s*"([^"]+)"/.exec(project)?.[1] : undefined;
  const build: MixBuild = { kind: 'mix', beam, elixir: ELIXIR_VERSIONS[elixir]!.attr, mixEnv: env, releaseName: release?.release ?? null, line };
  // mixRelease runs `mix release --path $out`: what _build/<env>/rel/<name> held is $out.
  const resolveSpecial = (from: string): { path: string } | null => {
    const rel = relativeTo(state.workdir, from.replace(/\/+$/, ''));
    const match = rel === null ? null : /^_build\/[^/]+\/rel\/[^/]+(?:\/(.*))?$/.exec(rel);
    if (!match) return null;
    return { path: match[1] ?? '.' };
  };
  return { build, pname: app ?? input.name, version, resolveSpecial, problems };
}
