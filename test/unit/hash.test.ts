/**
 * core/hash.ts is MurmurHash3 x86_128: published vectors (the hash's bytes, h1…h4 each
 * little-endian, as those lists give them) for the empty input, every tail length the vectors
 * reach (7, 11 and 15 bytes after whole blocks), three seeds, and UTF-8 strings and bytes alike.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { murmur128 } from '../../core/hash.js';

const hash = suite('murmur128');
/** murmur128's h1…h4 (each big-endian) as the vectors' bytes. */
const bytes = (h: string) => h.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join('')).join('').toUpperCase();

const VECTORS: [number, string, string][] = [
  [0, '', '00000000000000000000000000000000'],
  [0, 'The quick brown fox jumps over the lazy dog', 'C383152F672CEEEC6CF67B5D2C1DE9E5'],
  [0, 'the quick brown fox jumps over the lazy cog', 'FBF39633637C9E70EFCE1DF157359E42'],
  [0, 'aaaaaaa', 'A7387719286D290FCA19A398CA19A398'],
  [0, 'aaaaaaaaaaaaaaa', '78FA8D8D331A81A560DFB090484C863A'],
  [2538058380, '', 'A1D5BEF71C6A575B1C6A575B1C6A575B'],
  [2538058380, 'The quick brown fox jumps over the lazy dog', '5ED5D48A7161B84C9C3AA78E3E79B6CD'],
  [2538058380, 'THE QUICK BROWN FOX JUMPS OVER THE LAZY COG', '98BB1B3C95194F656E79DE6D66243F09'],
  [3314489979, 'the quick brown fox jumps over the lazy dog', 'A0A355F5E26816115CCF78A1925D1B4E'],
];

hash('published MurmurHash3 x86_128 vectors', () => {
  for (const [seed, input, expected] of VECTORS) assert.is(bytes(murmur128(input, seed)), expected, `${seed} ${JSON.stringify(input)}`);
});

hash('a string is hashed as its UTF-8 bytes; one changed byte changes the hash', () => {
  const text = 'stack.ts → ünïcode ' + 'x'.repeat(100);
  assert.is(murmur128(text), murmur128(Buffer.from(text, 'utf8')));
  assert.is.not(murmur128(text), murmur128(text.replace('x', 'y')));
  assert.match(murmur128(text), /^[0-9a-f]{32}$/);
});

hash.run();
