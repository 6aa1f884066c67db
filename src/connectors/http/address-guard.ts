import dns from 'node:dns';
import net from 'node:net';
import { buildConnector } from 'undici';

/** Lets content-supplied URLs reach loopback and private networks (a crawl of an intranet). */
export const ALLOW_PRIVATE_SETTING = 'TROVE_ALLOW_PRIVATE_NETWORKS';

/**
 * Loopback, private, link-local (cloud metadata), CGNAT, multicast and reserved ranges, and the
 * IPv6 forms that carry an IPv4 address (mapped ::ffff:0:0/96, compatible ::/96, NAT64
 * 64:ff9b::/96, 6to4 2002::/16), so no spelling of an internal IPv4 address slips through.
 */
function blockList(family: 'ipv4' | 'ipv6', subnets: ReadonlyArray<readonly [string, number]>): net.BlockList {
  const list = new net.BlockList();
  for (const [prefix, bits] of subnets) list.addSubnet(prefix, bits, family);
  return list;
}

// Two lists: a BlockList checks an IPv4 address against its IPv6 rules too, and ::/96 would then match every IPv4 address.
const INTERNAL_V4 = blockList('ipv4', [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 3]]);
const INTERNAL_V6 = blockList('ipv6', [['::', 96], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]]);

/** Whether an IP address (v4 or v6, no brackets) is internal; a host name is not an address. */
export function isInternalAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return INTERNAL_V4.check(address, 'ipv4');
  return family === 6 && INTERNAL_V6.check(address, 'ipv6');
}

export class InternalAddressError extends Error {
  constructor(host: string) {
    super(`${host} is an internal address: links, redirects and feed entries may not lead into the hub's network (${ALLOW_PRIVATE_SETTING}=1 allows it)`);
  }
}

/** The guard's refusal, wherever a client wrapped it. */
export function internalAddressRefusal(err: unknown): InternalAddressError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof InternalAddressError) return e;
  return undefined;
}

export interface GuardOptions {
  /** Hosts a config names itself (start URLs, the feed or API URL): reached as given. */
  trustedHosts: Iterable<string>;
  connectTimeoutMs?: number;
}

export function allowPrivateNetworks(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[ALLOW_PRIVATE_SETTING];
  return value === '1' || value === 'true';
}

/**
 * An undici connector that refuses internal addresses for every host but the trusted ones: literal
 * IPs before connecting, names by the addresses DNS gives at connect time (so a name cannot be
 * re-pointed inside). It runs once per connection, so keep-alive requests pay nothing.
 */
export function guardedConnector(opts: GuardOptions): buildConnector.connector {
  const trusted = new Set([...opts.trustedHosts].map(bareHost));
  const lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (!trusted.has(hostname.toLowerCase()) && addresses.some((a) => isInternalAddress(a.address))) return callback(new InternalAddressError(hostname), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
  const connect = buildConnector({ lookup, timeout: opts.connectTimeoutMs ?? 30_000 } as buildConnector.BuildOptions);
  return (options, callback) => {
    const host = bareHost(options.hostname);
    if (!trusted.has(host) && isInternalAddress(host)) return callback(new InternalAddressError(options.hostname), null);
    return connect(options, callback);
  };
}

function bareHost(host: string): string {
  return host.replace(/^\[|\]$/g, '').toLowerCase();
}

/** The hosts of the URLs a config names. */
export function hostsOf(urls: Iterable<string>): string[] {
  const hosts: string[] = [];
  for (const u of urls) {
    try {
      hosts.push(bareHost(new URL(u).hostname));
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
    }
  }
  return hosts;
}
