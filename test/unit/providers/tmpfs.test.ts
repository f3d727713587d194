import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmpfsProvider } from '../../../providers/tmpfs.js';
import { schema as tmpfsSchema } from '../../../providers/schemas/tmpfs.js';
import { providerContext } from '../../fixtures/builders.js';

const parse = (input: unknown) => tmpfsSchema.parse(input);
/** The messages of the issues a bad input gives, by option. */
function refusal(input: unknown): Record<string, string> {
  const r = tmpfsSchema.safeParse(input);
  assert.not.ok(r.success, `${JSON.stringify(input)} was accepted`);
  return Object.fromEntries(r.error!.issues.map((i) => [i.path.join('.'), i.message]));
}

const schema = suite('tmpfs: options');

schema('a size is stored in bytes; a mode is an octal string, with or without a leading 0', () => {
  assert.equal(parse({ size: '64m', mode: '1777' }), { size: 64 * 1024 * 1024, mode: '1777', uid: null, gid: null });
  assert.is(parse({ mode: '0755' }).mode, '755');
  assert.equal(parse({ size: 67108864, mode: '1777' }), parse({ size: '64m', mode: '01777' }));
  assert.equal(parse({}), { size: null, mode: null, uid: null, gid: null });
});

schema('bad values are refused with a message that shows a good one', () => {
  assert.equal(refusal({ size: 'lots' }), { size: 'expected a size like "64m", "1g" or a number of bytes' });
  assert.equal(refusal({ mode: '0999' }), { mode: 'expected an octal mode like "1777" or "0755"' });
  assert.equal(refusal({ mode: 'rwx' }), { mode: 'expected an octal mode like "1777" or "0755"' });
  // A number is refused: 1777 (decimal) and 0o1777 both type-check and mean different modes.
  assert.equal(refusal({ mode: 1777 as never }), { mode: 'expected the mode as an octal string, e.g. "1777" (a number like 1777 would be read as decimal)' });
  assert.equal(Object.keys(refusal({ mode: '17777', uid: -1, gid: 1.5 })), ['mode', 'uid', 'gid']);
  assert.equal(refusal({ sise: '64m' }), { '': 'Unrecognized key: "sise"' });
});

schema.run();

const engine = suite('tmpfs: engine volume and plan text');
const ctx = providerContext('cache');

engine('a local-driver tmpfs volume, its mount options in a stable order', () => {
  assert.equal(tmpfsProvider.toEngine(parse({ gid: 2000, uid: 1000, mode: '1777', size: '64m' }), ctx), {
    driver: 'local', driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=67108864,mode=1777,uid=1000,gid=2000' },
  });
  assert.equal(tmpfsProvider.toEngine(parse({ mode: '700' }), ctx).driverOpts.o, 'mode=700');
});

engine('no options: no `o` at all (the kernel\'s defaults)', () => {
  assert.equal(tmpfsProvider.toEngine(parse({}), ctx), { driver: 'local', driverOpts: { type: 'tmpfs', device: 'tmpfs' } });
});

engine('describe shows size, mode and owner; the note says the data is lost with the last container', () => {
  assert.is(tmpfsProvider.describe(parse({ size: '64m' })), 'tmpfs 64 MiB in memory');
  assert.is(tmpfsProvider.describe(parse({ mode: '1777', uid: 1000 })), 'tmpfs (no size limit: up to half the RAM) in memory, mode 1777, owner 1000:0');
  assert.equal(tmpfsProvider.notes!(parse({})), ['its data lives in memory and is lost when the last container using it stops']);
  assert.is(tmpfsProvider.data, 'memory');
});

engine.run();
