/**
 * The addresses Passfort sends webhooks from, by region, as its help pages list them. The UAE
 * ranges come from older pages and are whole /16 cloud ranges shared with other tenants:
 * list `PASSFORT_IPS.uae` alone to allow only the current address.
 */
export const PASSFORT_IPS = {
  eu: ['35.195.138.186', '130.211.56.13', '35.195.211.38'],
  uae: ['20.74.180.162'],
  uaeLegacyRanges: ['20.74.0.0/16', '20.203.0.0/16'],
  usa: ['35.231.204.101', '35.196.25.242'],
} as const;

/** Every documented Passfort address and range: what `allowIps: 'passfort'` means. */
export const ALL_PASSFORT_IPS: readonly string[] = Object.values(PASSFORT_IPS).flat();
