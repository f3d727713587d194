/**
 * IP addresses and CIDR subnets as numbers, for the checks the engine's IPAM would make at
 * network create time: syntax, "is this address inside that subnet", "do these subnets overlap".
 */
import net from 'node:net';

export type Family = 4 | 6;

export interface Cidr {
  family: Family;
  /** The address as written (host bits may be set: the engine accepts that). */
  address: bigint;
  prefix: number;
  /** First and last address of the subnet. */
  first: bigint;
  last: bigint;
}

const bitsOf = (family: Family) => (family === 4 ? 32 : 128);

/** An IPv4 or IPv6 address as a number; undefined when it is not one. */
export function parseIp(text: string): { family: Family; value: bigint } | undefined {
  if (net.isIPv4(text)) {
    return { family: 4, value: text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(part), 0n) };
  }
  if (!net.isIPv6(text) || text.includes('%')) return undefined;
  let [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  // An embedded IPv4 tail ('::ffff:10.0.0.1') is two groups.
  const expand = (parts: string[]) =>
    parts.flatMap((p) => (p.includes('.') ? (() => { const v = parseIp(p)!.value; return [(v >> 16n).toString(16), (v & 0xffffn).toString(16)]; })() : [p]));
  const h = expand(groups(head));
  const t = tail === undefined ? [] : expand(groups(tail));
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return { family: 6, value: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** `10.77.0.0/24`, `fd00:1::/64`; undefined with the reason when it is not a subnet. */
export function parseCidr(text: string): Cidr | string {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return 'expected a subnet in CIDR form, e.g. "10.77.0.0/24" or "fd00:77::/64"';
  const ip = parseIp(m[1]!);
  if (!ip) return `"${m[1]}" is not an IPv4 or IPv6 address`;
  const bits = bitsOf(ip.family);
  const prefix = Number(m[2]);
  if (prefix > bits) return `the prefix length /${prefix} is longer than an IPv${ip.family} address (${bits} bits)`;
  const size = 1n << BigInt(bits - prefix);
  const first = (ip.value / size) * size;
  return { family: ip.family, address: ip.value, prefix, first, last: first + size - 1n };
}

export function contains(subnet: Cidr, ip: { family: Family; value: bigint }): boolean {
  return subnet.family === ip.family && ip.value >= subnet.first && ip.value <= subnet.last;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** Usable addresses: IPv4 subnets lose their network and broadcast addresses. */
export function isNetworkOrBroadcast(subnet: Cidr, value: bigint): boolean {
  return subnet.family === 4 && subnet.prefix < 31 && (value === subnet.first || value === subnet.last);
}
