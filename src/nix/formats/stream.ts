/** `--builder stream`: dockerTools.streamLayeredImage, a script that writes the image archive to stdout. */
import { defineFormat } from './define.js';
import { BASE_IMAGE_BINDING, dockerToolsBaseImage, dockerToolsImage, dockerToolsPull } from './docker-tools.js';

export const stream = defineFormat({
  id: 'stream',
  label: 'dockerTools.streamLayeredImage',
  short: 'streamLayeredImage',
  description: 'a script that writes the image to stdout: `./result | docker load`; nothing big in the store',
  loadHint: 'Build and load: "$(nix-build --no-out-link)" | docker load',
  dockerArchive: true,
  fakeRoot: true,
  keepsHealthcheck: true,
  baseImage: dockerToolsBaseImage,
  flakeInputs: [],
  bindings: [BASE_IMAGE_BINDING],
  imageExpr: (parts) => ({
    bindings: parts.plan.image.baseImage ? [dockerToolsPull(parts.plan.image.baseImage)] : [],
    body: dockerToolsImage('streamLayeredImage', parts),
  }),
});
