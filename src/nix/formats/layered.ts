/** `--builder layered` (the default): dockerTools.buildLayeredImage, an image archive in the store. */
import { defineFormat } from './define.js';
import { BASE_IMAGE_BINDING, dockerToolsBaseImage, dockerToolsImage, dockerToolsPull } from './docker-tools.js';

export const layered = defineFormat({
  id: 'layered',
  label: 'dockerTools.buildLayeredImage',
  short: 'buildLayeredImage',
  description: 'a .tar.gz in the Nix store: `docker load < result`',
  loadHint: 'Build and load: nix-build && docker load < result',
  dockerArchive: true,
  fakeRoot: true,
  keepsHealthcheck: true,
  baseImage: dockerToolsBaseImage,
  flakeInputs: [],
  bindings: [BASE_IMAGE_BINDING],
  imageExpr: (parts) => ({
    bindings: parts.plan.image.baseImage ? [dockerToolsPull(parts.plan.image.baseImage)] : [],
    body: dockerToolsImage('buildLayeredImage', parts),
  }),
});
