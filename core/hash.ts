/**
 * A 128-bit hash for moor's own cache keys (has this stack file changed since its type-check, its
 * bundle, its validation): MurmurHash3 x86_128 (Austin Appleby's, public domain), in JavaScript.
 *
 * Not node:crypto's sha256: loading node:crypto costs every command ≈ 2 ms, more than the hashing
 * of a stack's files (tens of KB: ≈ 0.1 ms here). Not for anything an adversary chooses, nor for
 * what the engine stores (labels keep sha256: build contexts, specs): only for keys of caches in
 * moor's own directory, where an accidental collision of 128 bits is the only risk.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

/** A block's word, mixed before it goes into its lane. */
const mixK = (k: number, a: number, r: number, b: number) => Math.imul(rotl(Math.imul(k, a), r), b);
/** A lane after its word: rotated, plus the next lane, times 5, plus the lane's constant. */
const step = (h: number, r: number, next: number, c: number) => (Math.imul(rotl(h, r) + next, 5) + c) | 0;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const hex = (h: number) => (h >>> 0).toString(16).padStart(8, '0');

/** MurmurHash3 x86_128 of `data` (a string: its UTF-8 bytes), as 32 hex digits: h1…h4, each big-endian. */
export function murmur128(data: string | Uint8Array, seed = 0): string {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len = b.length;
  const blocks = len - (len % 16);
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const word = (i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
  for (let i = 0; i < blocks; i += 16) {
    h1 = step(h1 ^ mixK(word(i), C1, 15, C2), 19, h2, 0x561ccd1b);
    h2 = step(h2 ^ mixK(word(i + 4), C2, 16, C3), 17, h3, 0x0bcaa747);
    h3 = step(h3 ^ mixK(word(i + 8), C3, 17, C4), 15, h4, 0x96cd1c35);
    h4 = step(h4 ^ mixK(word(i + 12), C4, 18, C1), 13, h1, 0x32ac3b17);
  }
  // The last 0–15 bytes, little-endian into k1…k4.
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  let k4 = 0;
  const rest = len - blocks;
  for (let j = rest - 1; j >= 0; j--) {
    const byte = b[blocks + j]! << ((j % 4) * 8);
    if (j >= 12) k4 ^= byte;
    else if (j >= 8) k3 ^= byte;
    else if (j >= 4) k2 ^= byte;
    else k1 ^= byte;
  }
  if (rest > 12) h4 ^= mixK(k4, C4, 18, C1);
  if (rest > 8) h3 ^= mixK(k3, C3, 17, C4);
  if (rest > 4) h2 ^= mixK(k2, C2, 16, C3);
  if (rest > 0) h1 ^= mixK(k1, C1, 15, C2);
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  return hex(h1) + hex(h2) + hex(h3) + hex(h4);
}
