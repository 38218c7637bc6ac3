import ipaddr from 'ipaddr.js';

/**
 * Whether `ip` is allowed by `allowList`: exact addresses (`203.0.113.7`, `2001:db8::1`) and
 * CIDR ranges (`203.0.113.0/24`). An empty list allows every address. IPv4-mapped IPv6
 * addresses (`::ffff:203.0.113.7`, as dual-stack sockets report IPv4 callers) match their IPv4
 * form. Entries that do not parse match nothing.
 */
export function isIpAllowed(ip: string, allowList: readonly string[]): boolean {
  if (allowList.length === 0) {
    return true;
  }

  const caller = parse(ip);
  return caller !== undefined && allowList.some((entry) => matches(caller, entry.trim()));
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;

function matches(caller: Address, entry: string): boolean {
  try {
    if (entry.includes('/')) {
      const [network, prefix] = ipaddr.parseCIDR(entry);
      const range = normalise(network);
      return range.kind() === caller.kind() && caller.match(range, prefix);
    }
    const allowed = parse(entry);
    return allowed !== undefined && allowed.toNormalizedString() === caller.toNormalizedString();
  } catch {
    return false;
  }
}

function parse(ip: string): Address | undefined {
  return ipaddr.isValid(ip) ? normalise(ipaddr.parse(ip)) : undefined;
}

function normalise(address: Address): Address {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}
