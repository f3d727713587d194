import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { contains, overlaps, parseCidr, parseIp, type Cidr } from '../../../../core/stack/validate/ip.js';

const cidr = (s: string) => parseCidr(s) as Cidr;
const ip = suite('ip: addresses and subnets');

ip('IPv4 and IPv6 addresses become numbers; anything else is undefined', () => {
  assert.is(parseIp('10.0.0.1')!.value, 0x0a000001n);
  assert.is(parseIp('fe80::1')!.value, (0xfe80n << 112n) + 1n);
  assert.is(parseIp('::ffff:10.0.0.1')!.value, 0xffff0a000001n);
  assert.is(parseIp('2001:db8:0:0:0:0:0:1')!.value, parseIp('2001:db8::1')!.value);
  assert.is(parseIp('10.0.0.256'), undefined);
  assert.is(parseIp('10.0.0'), undefined);
  assert.is(parseIp('fe80::1%eth0'), undefined);
});

ip('a subnet in CIDR form, or the reason it is not one', () => {
  const c = cidr('10.77.0.5/24');
  assert.equal([c.family, c.prefix, c.first, c.last], [4, 24, 0x0a4d0000n, 0x0a4d00ffn]);
  assert.is(cidr('fd00:77::/64').family, 6);
  assert.match(parseCidr('10.0.0.0/33') as string, /\/33 is longer than an IPv4 address/);
  assert.match(parseCidr('fd00::/129') as string, /\/129 is longer than an IPv6 address/);
  assert.match(parseCidr('10.0.0.0') as string, /CIDR form/);
  assert.match(parseCidr('10.0.0.300/24') as string, /not an IPv4 or IPv6 address/);
});

ip('contains and overlaps', () => {
  assert.ok(contains(cidr('10.77.0.0/24'), parseIp('10.77.0.254')!));
  assert.not.ok(contains(cidr('10.77.0.0/24'), parseIp('10.78.0.1')!));
  assert.not.ok(contains(cidr('10.77.0.0/24'), parseIp('::1')!));
  assert.ok(overlaps(cidr('10.0.0.0/8'), cidr('10.77.0.0/24')));
  assert.ok(overlaps(cidr('10.77.0.128/25'), cidr('10.77.0.0/24')));
  assert.not.ok(overlaps(cidr('10.77.0.0/25'), cidr('10.77.0.128/25')));
  assert.not.ok(overlaps(cidr('10.0.0.0/8'), cidr('fd00::/8')));
  assert.ok(overlaps(cidr('fd00:77::/64'), cidr('fd00::/16')));
});

ip.run();
