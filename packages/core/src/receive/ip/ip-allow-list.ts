import { ConfigurationError } from '../../errors/configuration-error.js';
import { ForbiddenAddressError } from '../../errors/forbidden-address-error.js';
import { readHeader } from '../read-header.js';
import type { WebhookRequest } from '../webhook-request.js';
import { type IpRange, ipInRange, parseIp, parseIpRange } from './parse-ip.js';
import { ALL_PASSFORT_IPS } from './passfort-ips.js';
import { resolveClientIp, type TrustProxy } from './resolve-client-ip.js';

/** Addresses and CIDR ranges (IPv4 or IPv6), or `'passfort'` for every documented Passfort address. */
export type AllowIps = 'passfort' | readonly string[];

/** Proxies to believe about `X-Forwarded-For`: their addresses and ranges, or a hop count. */
export type TrustProxyOption = readonly string[] | number;

function ranges(name: string, list: readonly string[]): IpRange[] {
  return list.map((entry) => {
    const range = parseIpRange(entry);
    if (range === undefined)
      throw new ConfigurationError(`${name} has an invalid address or range: ${entry}`);
    return range;
  });
}

/** Builds the allow-list check once; `undefined` when no allow list is configured. */
export function createIpAllowList(
  allowIps: AllowIps | undefined,
  trustProxy: TrustProxyOption | undefined,
): ((request: WebhookRequest) => void) | undefined {
  if (allowIps === undefined) return undefined;
  const allowed = ranges('allowIps', allowIps === 'passfort' ? ALL_PASSFORT_IPS : allowIps);
  if (allowed.length === 0)
    throw new ConfigurationError('allowIps is empty: nothing could ever be accepted');
  let trusted: TrustProxy;
  if (typeof trustProxy === 'number') {
    if (!Number.isInteger(trustProxy) || trustProxy < 0) {
      throw new ConfigurationError('trustProxy must be a list of addresses or a number of hops');
    }
    trusted = trustProxy;
  } else if (trustProxy !== undefined) {
    trusted = ranges('trustProxy', trustProxy);
  }
  return (request) => {
    const client = resolveClientIp(
      request.ip,
      readHeader(request.headers, 'x-forwarded-for'),
      trusted,
    );
    const address = client === undefined ? undefined : parseIp(client);
    if (address === undefined || !allowed.some((range) => ipInRange(address, range))) {
      throw new ForbiddenAddressError(
        client === undefined
          ? 'The sender address is unknown and an IP allow list is set'
          : `Address ${client} is not allowed to send webhooks`,
      );
    }
  };
}
