import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { AddressPolicy } from './address-policy.js';

/** Every address a host name resolves to (injectable: tests cannot use real DNS). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => new Promise((resolve, reject) => {
  dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
});

/** A connection refused by the SSRF policy; the delivery log shows its message. */
export class ForbiddenDestinationError extends Error {
  readonly code = 'ERR_FORBIDDEN_DESTINATION';
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenDestinationError';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** The bare host of a URL: brackets of an IPv6 literal removed. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Decides, before any byte is sent, whether a host may be connected to. Used at registration
 * (URL check) and at connect time (as the `lookup` of every outgoing request), so an answer
 * that changes in between (DNS rebinding) is judged again on the address actually dialled.
 */
export class DestinationGuard {
  constructor(private readonly policy: AddressPolicy, private readonly resolve: Resolver = systemResolver) {}

  get allowPrivate(): boolean {
    return this.policy.allowPrivate;
  }

  /** Why the URL's host is no valid destination (IP literal, or any address its name resolves to), or null. */
  async urlProblem(url: URL): Promise<string | null> {
    if (this.policy.allowPrivate) return null;
    const host = hostOf(url);
    if (isIP(host) !== 0) {
      const reason = this.policy.problem(host);
      return reason ? `${host} is ${reason}` : null;
    }
    let addresses: LookupAddress[];
    try {
      addresses = await this.resolve(host);
    } catch {
      return `${host} does not resolve`;
    }
    if (addresses.length === 0) return `${host} does not resolve`;
    return this.refusal(host, addresses);
  }

  /** Throws ForbiddenDestinationError for an IP-literal host Node would dial without a lookup. */
  assertLiteral(host: string): void {
    if (isIP(host) === 0) return;
    const reason = this.policy.problem(host);
    if (reason) throw new ForbiddenDestinationError(`refused to connect to ${host}: ${reason}`);
  }

  /** A net/http `lookup` option that resolves through the resolver and refuses forbidden answers. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    this.resolve(hostname).then((all) => {
      const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
      if (wanted.length === 0) {
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        return;
      }
      const refusal = this.refusal(hostname, wanted);
      if (refusal) {
        callback(new ForbiddenDestinationError(`refused to connect to ${hostname}: ${refusal}`), '', 0);
        return;
      }
      if (options.all) callback(null, wanted);
      else callback(null, wanted[0]!.address, wanted[0]!.family);
    }, (error: NodeJS.ErrnoException) => callback(error, '', 0));
  };

  private refusal(host: string, addresses: readonly LookupAddress[]): string | null {
    for (const { address } of addresses) {
      const reason = this.policy.problem(address);
      if (reason) return `${host} resolves to ${address}, ${reason}`;
    }
    return null;
  }
}
