/**
 * IP addresses as 16 bytes, IPv4 mapped into IPv6 (`::ffff:a.b.c.d`), so one comparison
 * covers IPv4, IPv6 and IPv4-mapped IPv6 alike. Web-standard code only (no node:net).
 */

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  return bytes.every((byte) => byte >= 0 && byte <= 255) ? bytes : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  let head = text;
  let tail4: number[] = [];
  const lastColon = head.lastIndexOf(':');
  if (head.includes('.')) {
    const v4 = parseIpv4(head.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail4 = v4;
    head = `${head.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0))
    return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  const bytes: number[] = [];
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    const value = Number.parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  if (tail4.length === 4) bytes.splice(12, 4, ...tail4);
  return bytes;
}

/** Parses an IPv4 or IPv6 address (brackets and a zone id are accepted); undefined if invalid. */
export function parseIp(text: string): Uint8Array | undefined {
  let value = text.trim();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  const zone = value.indexOf('%');
  if (zone !== -1) value = value.slice(0, zone);
  const v4 = parseIpv4(value);
  if (v4 !== undefined) return new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);
  const v6 = value.includes(':') ? parseIpv6(value) : undefined;
  return v6 === undefined ? undefined : new Uint8Array(v6);
}

/** An address range: the first `bits` bits of `base` (IPv4 prefixes counted in IPv6 space). */
export interface IpRange {
  readonly base: Uint8Array;
  readonly bits: number;
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `x::/n`; undefined if invalid. */
export function parseIpRange(text: string): IpRange | undefined {
  const [address, prefix, extra] = text.trim().split('/');
  if (address === undefined || extra !== undefined) return undefined;
  const base = parseIp(address);
  if (base === undefined) return undefined;
  const isV4 = parseIpv4(address.trim()) !== undefined;
  const max = isV4 ? 32 : 128;
  const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  if (!(bits >= 0 && bits <= max)) return undefined;
  return { base, bits: isV4 ? bits + 96 : bits };
}

/** True when `address` lies in `range`. */
export function ipInRange(address: Uint8Array, range: IpRange): boolean {
  let bits = range.bits;
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((address[i]! & mask) !== (range.base[i]! & mask)) return false;
  }
  return true;
}
