/**
 * COPY --from=<image> where the reference is an image, not a stage (`COPY --from=composer:2 /usr/bin/composer
 * /usr/bin/`). Nix has no way to take one file out of a registry image by itself: dockerTools.pullImage gives the
 * image as a docker-archive (skopeo copy, a fixed-output download), and dockerTools.exportImage flattens its layers
 * into one tar inside a VM (runWithOverlay, vmTools.runInLinuxVM): pkgs/build-support/docker/default.nix. So a
 * file of a tool nixpkgs packages becomes a link to that package (approximated: the revision's version, not the
 * tag's), and anything else is manual, with the image and the paths named.
 */
import { resolvePath } from '../container-path.js';
import { parseImageReference } from '../rules/lookup.js';
import type { Outcome, StageState } from './stage.js';
import { worst } from './stage.js';

interface ImageTool {
  /** Repository names (without docker.io/library/). */
  images: readonly string[];
  /** Path in the image → the nixpkgs attribute and the path inside it. */
  files: Readonly<Record<string, { attr: string; subpath: string }>>;
  /** What the nixpkgs package is, against the image's file. */
  note: string;
}

/** Tool images whose files nixpkgs packages (each attribute checked in the nixpkgs tree named in the note). */
const IMAGE_TOOLS: readonly ImageTool[] = [
  {
    images: ['composer', 'composer/composer'],
    files: { '/usr/bin/composer': { attr: 'phpPackages.composer', subpath: '/bin/composer' } },
    note: "Composer 2 of the nixpkgs revision (pkgs/development/php-packages/composer), run by nixpkgs' PHP, its PATH given git, unzip, curl, 7zz and xz; the image's file is a PHAR run by the php on the PATH",
  },
  {
    images: ['ghcr.io/astral-sh/uv'],
    files: { '/uv': { attr: 'uv', subpath: '/bin/uv' }, '/uvx': { attr: 'uv', subpath: '/bin/uvx' } },
    note: 'uv of the nixpkgs revision (pkgs/by-name/uv/uv/package.nix, which installs uv and uvx)',
  },
];

/** The tool table's entry for an image reference, by its repository. */
function toolOf(reference: string): ImageTool | undefined {
  const repository = parseImageReference(reference)
    .repository.replace(/^(docker\.io\/|index\.docker\.io\/|registry-1\.docker\.io\/)/, '')
    .replace(/^library\//, '');
  return IMAGE_TOOLS.find((tool) => tool.images.includes(repository));
}

/**
 * Decides `COPY --from=<image> SRC… DEST`: links to the nixpkgs package for the files of a known tool image, else
 * manual. `dest` is absolute; `destIsDir`: the destination is a folder (a trailing slash, or several sources).
 */
export function decideImageCopy(keyword: string, reference: string, sources: string[], dest: string, destIsDir: boolean, state: StageState): Outcome {
  const { tag } = parseImageReference(reference);
  const tool = toolOf(reference);
  const outcomes: Outcome[] = [];
  const placed: string[] = [];
  const missing: string[] = [];
  for (const source of sources) {
    const from = resolvePath('/', source);
    const file = tool?.files[from];
    if (!tool || !file) {
      missing.push(from);
      continue;
    }
    const target = destIsDir ? resolvePath(dest, from.split('/').pop()!) : dest;
    state.symlinks.set(target, { path: target, target: { kind: 'package', attr: file.attr, subpath: file.subpath } });
    // Also there for a build stage's commands (its derivation's nativeBuildInputs); the image gets the link only.
    if (!state.packages.has(file.attr)) state.packages.set(file.attr, 'build');
    placed.push(`${from} → ${target} (a link to ${file.attr}'s ${file.subpath.slice(1)})`);
  }
  if (placed.length) {
    outcomes.push({
      status: 'approximated',
      rule: 'copy.from-image.package',
      message: `${placed.join(', ')}: ${tool!.note}, not the file of ${reference}${tag ? '' : ' (its latest tag)'}`,
    });
  }
  if (missing.length) {
    const name = parseImageReference(reference).repository;
    outcomes.push({
      status: 'manual',
      rule: 'copy.from-image',
      message: `${missing.join(', ')} from the image ${reference}: Nix cannot take files out of a registry image by itself (dockerTools.pullImage fetches it as an archive, with the imageDigest and hash nix-prefetch-docker --image-name ${name} --image-tag ${tag ?? 'latest'} prints; dockerTools.exportImage flattens its layers, in a VM); take ${missing.length > 1 ? 'these paths' : 'this path'} out of that archive in a derivation, or package what ${missing.length > 1 ? 'they are' : 'it is'}, and place it at ${dest}`,
    });
  }
  const message = outcomes.map((o) => o.message).join('; ');
  return {
    status: worst(outcomes),
    rule: outcomes.length === 1 ? outcomes[0]!.rule : 'copy.from-image',
    message: `${keyword} --from=${reference}: ${message}`,
  };
}
