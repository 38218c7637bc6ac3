import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

import { Agent, buildConnector } from 'undici';

import { type AddressPolicy, assertAllowedAddress, isAllowedHost } from './url-guard';

/** How long opening a connection (and its TLS handshake) may take. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * An undici agent that only connects to addresses `policy` allows: host names are resolved by a
 * lookup that refuses disallowed answers before any connection is made, IP literals are checked
 * before connecting, and the socket's actual remote address is checked once connected, before a
 * byte of the request is written. So a name that passed when the URL was set but resolves
 * elsewhere now (DNS rebinding) is refused at delivery. Redirects are not followed.
 */
export function createGuardedAgent(policy: AddressPolicy, connectTimeoutMs = CONNECT_TIMEOUT_MS) {
  const connect = buildConnector({ timeout: connectTimeoutMs, lookup: guardedLookup(policy) });

  return new Agent({
    connect: (options, callback) => {
      const host = options.hostname.replace(/^\[|\]$/g, '');
      const trusted = isAllowedHost(host, policy.allow);
      try {
        if (!trusted && isIP(host) !== 0) {
          assertAllowedAddress(host, policy);
        }
      } catch (error) {
        callback(error as Error, null);
        return;
      }

      connect(options, (error, socket) => {
        if (error !== null) {
          callback(error, null);
          return;
        }
        try {
          if (!trusted) {
            assertAllowedAddress(socket.remoteAddress ?? 'unknown', policy);
          }
        } catch (refusal) {
          socket.destroy();
          callback(refusal as Error, null);
          return;
        }
        callback(null, socket);
      });
    },
  });
}

/** A `dns.lookup` that fails when any answer for a host that is not allow-listed is refused. */
function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error !== null) {
        callback(error, '', 0);
        return;
      }
      try {
        if (!isAllowedHost(hostname, policy.allow)) {
          addresses.forEach((answer) => assertAllowedAddress(answer.address, policy));
        }
      } catch (refusal) {
        callback(refusal as NodeJS.ErrnoException, '', 0);
        return;
      }
      answer(options.all === true, addresses, callback);
    });
  };
}

type LookupCallback = Parameters<LookupFunction>[2];

function answer(all: boolean, addresses: LookupAddress[], callback: LookupCallback): void {
  if (all) {
    (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
    return;
  }
  const first = addresses[0]!;
  callback(null, first.address, first.family);
}
