/** `--format layered` (the default): dockerTools.buildLayeredImage, an image archive in the store. */
import { defineFormat } from './define.js';
import { dockerToolsImage } from './docker-tools.js';

export const layered = defineFormat({
  id: 'layered',
  label: 'dockerTools.buildLayeredImage',
  short: 'buildLayeredImage',
  description: 'a .tar.gz in the Nix store: `docker load < result`',
  loadHint: 'Build and load: nix-build && docker load < result',
  dockerArchive: true,
  fakeRoot: true,
  keepsHealthcheck: true,
  flakeInputs: [],
  bindings: [],
  imageExpr: (parts) => ({ bindings: [], body: dockerToolsImage('buildLayeredImage', parts) }),
});
