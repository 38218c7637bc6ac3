import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

import ipaddr from 'ipaddr.js';

import { BadRequestProblem } from '../errors/http-problems';

/**
 * The SSRF guard of notification URLs. Outside the sandbox a URL must be https and every address
 * its host resolves to must be public unicast: loopback, private, link-local (cloud metadata at
 * 169.254.169.254 included), CGNAT, unique-local, multicast, unspecified, reserved and the
 * IPv6 ranges that embed IPv4 addresses (6to4, Teredo, NAT64) are refused. Sandbox resellers
 * may also use http and loopback, which is how local receivers and the built-in inbox work.
 * Operators can allow more with host names or CIDR ranges (e.g. an internal webhook relay).
 *
 * The same {@link AddressPolicy} is applied when a URL is set (this file) and at delivery to
 * the address actually connected to (`guarded-agent.ts`), which defeats DNS rebinding.
 */

/** What the operator allows on top of public unicast addresses. */
export interface AllowList {
  /** Host names (exact, case-insensitive) whose addresses are not checked. */
  hosts: readonly string[];
  /** CIDR ranges whose addresses are deliverable whatever range they belong to. */
  cidrs: readonly string[];
}

/** The rules for one kind of reseller. */
export interface AddressPolicy {
  sandbox: boolean;
  allow: AllowList;
}

/** Thrown when a URL or an address is not deliverable; its message is safe to show. */
export class UndeliverableUrlError extends Error {
  override readonly name = 'UndeliverableUrlError';
  /** Node-style code, so transport errors from the agent can be told apart. */
  readonly code = 'ERR_UNDELIVERABLE_ADDRESS';
}

/** The address ranges `ipaddr.js` names that count as public. */
const PUBLIC_RANGE = 'unicast';

/** Whether `host` (a host name, already lower-cased by URL parsing) is allow-listed. */
export function isAllowedHost(host: string, allow: AllowList): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return allow.hosts.some((allowed) => allowed.toLowerCase() === bare);
}

/**
 * Refuses `address` (an IP literal) unless it is public unicast, allow-listed, or loopback for
 * a sandbox reseller. IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
 *
 * @throws UndeliverableUrlError
 */
export function assertAllowedAddress(address: string, policy: AddressPolicy): void {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address.replace(/^\[|\]$/g, ''));
  } catch {
    throw new UndeliverableUrlError(`${address} is not an IP address`);
  }

  const range = parsed.range();
  if (range === PUBLIC_RANGE || (policy.sandbox && range === 'loopback')) {
    return;
  }
  if (inAllowedCidr(parsed, policy.allow.cidrs)) {
    return;
  }
  throw new UndeliverableUrlError(
    `${parsed.toString()} is a ${describeRange(range)} address, which notifications may not reach`,
  );
}

function inAllowedCidr(address: ipaddr.IPv4 | ipaddr.IPv6, cidrs: readonly string[]): boolean {
  return cidrs.some((cidr) => {
    const [network, bits] = ipaddr.parseCIDR(cidr);
    return network.kind() === address.kind() && address.match(network, bits);
  });
}

function describeRange(range: string): string {
  const names: Record<string, string> = {
    linkLocal: 'link-local (or cloud metadata)',
    carrierGradeNat: 'carrier-grade NAT',
    uniqueLocal: 'private (unique local)',
  };
  return names[range] ?? range;
}

/**
 * Checks the form of a notification URL: absolute http(s), https outside the sandbox, no
 * credentials in it.
 *
 * @throws UndeliverableUrlError
 */
export function parseNotificationUrl(value: string, sandbox: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UndeliverableUrlError('must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(sandbox && url.protocol === 'http:')) {
    throw new UndeliverableUrlError(sandbox ? 'must be an http(s) URL' : 'must be an https URL');
  }
  if (url.username !== '' || url.password !== '') {
    throw new UndeliverableUrlError('must not contain credentials; configure receiver auth');
  }
  return url;
}

/** Resolves a host name to all its addresses; an IP literal resolves to itself. */
export type HostResolver = (host: string) => Promise<string[]>;

const resolveAll: HostResolver = async (host) => {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
};

/**
 * Checks that `value` is a URL notifications may be delivered to under `policy`: its form, and
 * every address its host resolves to now.
 *
 * @throws UndeliverableUrlError
 */
export async function checkDeliverableUrl(
  value: string,
  policy: AddressPolicy,
  resolve: HostResolver = resolveAll,
): Promise<URL> {
  const url = parseNotificationUrl(value, policy.sandbox);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isAllowedHost(host, policy.allow)) {
    return url;
  }

  const addresses = isIP(host) === 0 ? await resolveOrRefuse(host, resolve) : [host];
  for (const address of addresses) {
    assertAllowedAddress(address, policy);
  }
  return url;
}

async function resolveOrRefuse(host: string, resolve: HostResolver): Promise<string[]> {
  try {
    const addresses = await resolve(host);
    if (addresses.length > 0) {
      return addresses;
    }
  } catch {
    // Reported below: an unresolvable host cannot be judged, so it is refused.
  }
  throw new UndeliverableUrlError(`the host ${host} does not resolve`);
}

/** Options of {@link NotificationUrlGuard.assertDeliverableUrl}. */
export interface DeliverableUrlOptions {
  /** The reseller's sandbox flag. */
  sandbox: boolean;
  /** The request field the URL came from, for the 400 problem; default `notificationUrl`. */
  field?: string;
}

/** The guard with the operator's allow-list, as services use it. */
export class NotificationUrlGuard {
  constructor(
    readonly allow: AllowList,
    private readonly resolve: HostResolver = resolveAll,
  ) {}

  /**
   * Refuses a notification URL that is being set (entitlement `notificationUrl`, a reseller's
   * `defaultNotificationUrl`, an OAuth2 `tokenUrl`) unless notifications may be delivered there.
   *
   * @throws BadRequestProblem (400) with a field error
   */
  async assertDeliverableUrl(url: string, options: DeliverableUrlOptions): Promise<void> {
    try {
      await checkDeliverableUrl(url, this.policy(options.sandbox), this.resolve);
    } catch (error) {
      if (!(error instanceof UndeliverableUrlError)) {
        throw error;
      }
      const field = options.field ?? 'notificationUrl';
      throw new BadRequestProblem(`The ${field} is not deliverable: ${error.message}.`, {
        errors: [{ field, message: error.message }],
      });
    }
  }

  /** The policy for a sandbox or a live reseller. */
  policy(sandbox: boolean): AddressPolicy {
    return { sandbox, allow: this.allow };
  }
}
