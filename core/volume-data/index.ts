/**
 * Volume data through the Engine API only: copy a volume (or a directory of it) into another
 * with a verified manifest, read a manifest, measure a volume, read and write one small file.
 * Helper containers are created from an empty image and never started.
 */
export { copyVolume, VolumeCopyError, type CopyOptions } from './copy.js';
export { readManifest, measureVolume } from './read.js';
export { readFile, writeFile, type WriteFileOptions } from './files.js';
export {
  compareManifests,
  manifestDigest,
  manifestFromTar,
  MAX_DIFFERENCES,
  type EntryType,
  type Manifest,
  type ManifestEntry,
} from './manifest.js';
export { ensureHelperImage, HELPER_IMAGE, HELPER_LABEL } from './helper-image.js';
export { withHelper, MissingVolumeError, type Helper, type HelperOptions, type HelperVolume } from './helper-container.js';
