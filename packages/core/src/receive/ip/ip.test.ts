import { describe, expect, it } from 'vitest';
import { createIpAllowList } from './ip-allow-list.js';
import { ipInRange, parseIp, parseIpRange } from './parse-ip.js';
import { PASSFORT_IPS } from './passfort-ips.js';
import { resolveClientIp } from './resolve-client-ip.js';

const inRange = (ip: string, range: string) => ipInRange(parseIp(ip)!, parseIpRange(range)!);

describe('parseIp / parseIpRange', () => {
  it('reads IPv4, IPv6 (compressed, bracketed, with a zone) and IPv4-mapped IPv6 alike', () => {
    expect([...parseIp('10.1.2.3')!]).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 1, 2, 3,
    ]);
    expect(parseIp('::ffff:10.1.2.3')).toEqual(parseIp('10.1.2.3'));
    expect(parseIp('[::1]')).toEqual(parseIp('0:0:0:0:0:0:0:1'));
    expect(parseIp('fe80::1%eth0')).toEqual(parseIp('fe80::1'));
    expect(parseIp('2001:db8::ff00:42:8329')).toEqual(
      parseIp('2001:0db8:0000:0000:0000:ff00:0042:8329'),
    );
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '1::2::3',
    'gggg::1',
    '1.2.3.04x',
    '::ffff:1.2.3',
  ])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('matches CIDR ranges, IPv4 and IPv6, and IPv4 ranges against IPv4-mapped addresses', () => {
    expect(inRange('20.74.1.2', '20.74.0.0/16')).toBe(true);
    expect(inRange('20.75.1.2', '20.74.0.0/16')).toBe(false);
    expect(inRange('::ffff:20.74.9.9', '20.74.0.0/16')).toBe(true);
    expect(inRange('2001:db8::1', '2001:db8::/32')).toBe(true);
    expect(inRange('2001:db9::1', '2001:db8::/32')).toBe(false);
    expect(inRange('8.8.8.8', '0.0.0.0/0')).toBe(true);
    expect(inRange('::1', '0.0.0.0/0')).toBe(false);
    expect(parseIpRange('10.0.0.0/33')).toBeUndefined();
  });
});

describe('resolveClientIp', () => {
  const trusted = [parseIpRange('10.0.0.0/8')!];
  it('uses the peer and ignores X-Forwarded-For unless proxies are trusted', () => {
    expect(resolveClientIp('203.0.113.9', '35.195.138.186', undefined)).toBe('203.0.113.9');
  });
  it('walks X-Forwarded-For from the right through trusted proxies only', () => {
    expect(resolveClientIp('10.0.0.5', '35.195.138.186, 10.0.0.7', trusted)).toBe('35.195.138.186');
    // A spoofed first entry behind an untrusted hop is never reached.
    expect(resolveClientIp('10.0.0.5', '35.195.138.186, 203.0.113.9', trusted)).toBe('203.0.113.9');
    expect(resolveClientIp('203.0.113.9', '35.195.138.186', trusted)).toBe('203.0.113.9');
  });
  it('trusts a number of hops', () => {
    expect(resolveClientIp('10.0.0.5', 'a.example, 35.195.138.186', 1)).toBe('35.195.138.186');
    expect(resolveClientIp('10.0.0.5', undefined, 2)).toBe('10.0.0.5');
  });
});

describe('createIpAllowList', () => {
  const request = (ip: string | undefined, xff?: string) => ({
    method: 'POST',
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
    body: null,
    ip,
  });
  it("knows Passfort's documented addresses as 'passfort'", () => {
    const check = createIpAllowList('passfort', undefined)!;
    for (const ip of [...PASSFORT_IPS.eu, ...PASSFORT_IPS.usa, ...PASSFORT_IPS.uae, '20.203.4.5']) {
      expect(() => check(request(ip))).not.toThrow();
    }
    expect(() => check(request('203.0.113.9'))).toThrow(/not allowed/);
    expect(() => check(request(undefined))).toThrow(/unknown/);
  });
  it('refuses bad configuration at creation', () => {
    expect(() => createIpAllowList(['10.0.0.0/99'], undefined)).toThrow(
      /\[passfort-webhooks\] allowIps has an invalid/,
    );
    expect(() => createIpAllowList([], undefined)).toThrow(/empty/);
    expect(() => createIpAllowList('passfort', ['nope'])).toThrow(/trustProxy has an invalid/);
    expect(createIpAllowList(undefined, undefined)).toBeUndefined();
  });
});
