import ipaddr from 'ipaddr.js';

/** Why each non-public range is refused, in the words a 422 detail uses. */
const REASONS: Record<string, string> = {
  unspecified: 'an unspecified address (0.0.0.0/8, ::)',
  loopback: 'a loopback address',
  private: 'a private address (RFC 1918)',
  uniqueLocal: 'a private address (fc00::/7)',
  linkLocal: 'a link-local address (169.254.0.0/16 and fe80::/10 hold cloud metadata services)',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
};

const v4Unspecified = ipaddr.IPv4.parseCIDR('0.0.0.0/8');
const v6Compatible = ipaddr.IPv6.parseCIDR('::/96');

/**
 * Why an IP address must not be a webhook destination, or null when it is public unicast.
 * IPv4 in any textual form ipaddr.js accepts (dotted, decimal, hex, octal, short), IPv6 with
 * IPv4-mapped/-compatible and NAT64 (64:ff9b::/96) forms judged by the IPv4 address inside.
 * Only plain unicast passes: 6to4, Teredo and other special ranges are refused too.
 */
export function addressProblem(address: string): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  } catch {
    return 'not an IP address';
  }
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    const range = v6.range();
    if (range === 'ipv4Mapped' || range === 'rfc6145') return addressProblem(v6.toIPv4Address().toString());
    if (range === 'rfc6052' && v6.match(ipaddr.IPv6.parse('64:ff9b::'), 96)) return addressProblem(embeddedV4(v6));
    if (range === 'unicast') return null;
    if (range !== 'unspecified' && range !== 'loopback' && v6.match(v6Compatible)) return addressProblem(embeddedV4(v6));
    return REASONS[range] ?? `a special-purpose address (${range})`;
  }
  const v4 = ip as ipaddr.IPv4;
  if (v4.match(v4Unspecified)) return REASONS.unspecified!;
  const range = v4.range();
  return range === 'unicast' ? null : REASONS[range] ?? `a special-purpose address (${range})`;
}

function embeddedV4(ip: ipaddr.IPv6): string {
  const bytes = ip.toByteArray().slice(12);
  return bytes.join('.');
}

/** The destination rules for one process: CURT_WEBHOOK_ALLOW_PRIVATE lifts every address check. */
export class AddressPolicy {
  constructor(readonly allowPrivate: boolean) {}

  /** Why a connection to this address is refused, or null. */
  problem(address: string): string | null {
    return this.allowPrivate ? null : addressProblem(address);
  }
}
