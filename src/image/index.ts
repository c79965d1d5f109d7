/** Reading and comparing image archives: the public API. */
export { inspectArchive, inspectImage, loadImages, buildImageReport, LIST_LIMITS, type LoadedImage } from './inspect.js';
export { compareImages, compareLoaded, DIFFERENCE_KINDS } from './diff.js';
export { renderImageReport, renderInspectReport, renderReproducibilityReport, formatBytes, formatPercent } from './render.js';
export { flattenLayers, mergeLayers, type FlatEntry, type MergedView } from './wasted.js';
export { MAX_JSON_BYTES, MAX_JSON_TOTAL } from './archive.js';
export type * from './types.js';
