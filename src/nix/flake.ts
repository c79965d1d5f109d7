/** flake.nix: pins nixpkgs (and the format's own inputs) and builds default.nix for the Linux systems. */
import type { MigrationPlan } from '../convert/types.js';
import { quoteString } from './ast.js';
import { formatOf } from './formats/index.js';

/** `header`: the comment lines at the top (shared with default.nix). */
export function emitFlake(plan: MigrationPlan, header: string): string {
  const format = formatOf(plan.format);
  const description = `${plan.image.name}: container image converted from ${plan.dockerfile} by dock2nix`;
  const inputs = [
    '  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";',
    ...format.flakeInputs.flatMap((input) => [
      `  inputs.${input.name}.url = ${quoteString(input.url)};`,
      ...(input.followsNixpkgs ? [`  inputs.${input.name}.inputs.nixpkgs.follows = "nixpkgs";`] : []),
    ]),
  ];
  const args = `{ ${['self', 'nixpkgs', ...format.flakeInputs.map((input) => input.name)].join(', ')} }`;
  const importArgs = `{ ${['inherit pkgs;', ...format.flakeInputs.map((input) => `${input.name} = ${input.fromFlake};`)].join(' ')} }`;
  return `${header}
{
  description = ${quoteString(description)};

${inputs.join('\n')}

  outputs =
    ${args}:
    let
      # Container images are Linux systems; build them on (or for) these.
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems f;
    in
    {
      packages = forAllSystems (
        system:
        let
          pkgs = nixpkgs.legacyPackages.\${system};
        in
        {
          default = import ./default.nix ${importArgs};
        }
      );${format.flakeOutputs ? `\n${format.flakeOutputs(plan).join('\n')}` : ''}
    };
}
`;
}
