import proxyAddr from '@fastify/proxy-addr';

/** Picks a request's client address from its socket address and X-Forwarded-For. */
export type ClientAddress = (remoteAddress: string, forwardedFor: string | undefined) => string;

/**
 * The same decision Fastify makes for request.ip under the same trustProxy setting (true,
 * a hop count, or addresses/CIDRs), for the hot path, which runs before Fastify.
 */
export function clientAddressFor(trustProxy: boolean | number | string[]): ClientAddress {
  if (trustProxy === false) return (remote) => remote;
  const trust = trustProxy === true ? () => true
    : typeof trustProxy === 'number' ? (_: string, hop: number) => hop < trustProxy
    : proxyAddr.compile(trustProxy);
  return (remote, forwardedFor) => {
    if (!forwardedFor) return remote;
    // proxy-addr reads exactly these two fields of a request.
    return proxyAddr({ socket: { remoteAddress: remote }, headers: { 'x-forwarded-for': forwardedFor } } as never, trust);
  };
}
