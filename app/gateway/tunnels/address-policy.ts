import ipaddr from "ipaddr.js";

/**
 * Which IP addresses the Gateway may connect to when it proxies to a Core. Only public unicast
 * addresses are allowed: anything else (loopback, private networks, link-local, cloud metadata,
 * ...) would let a caller use the Gateway as an SSRF proxy into its own network.
 *
 * IPv6 forms that embed an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated, NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`, IPv4-compatible `::a.b.c.d`) are judged by the IPv4 address
 * they carry, so `::ffff:127.0.0.1` is as forbidden as `127.0.0.1`.
 */

type ParsedAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** Addresses of cloud instance metadata services (AWS IMDS over IPv4 and IPv6). */
const METADATA_ADDRESSES = ["169.254.169.254", "fd00:ec2::254"].map((a) =>
  ipaddr.parse(a).toNormalizedString(),
);

const DESCRIPTIONS: Record<string, string> = {
  metadata: "the cloud metadata service",
  loopback: "a loopback address",
  private: "a private-network address",
  carrierGradeNat: "a carrier-grade NAT address (100.64.0.0/10)",
  linkLocal: "a link-local address",
  uniqueLocal: "a unique-local IPv6 address (fc00::/7)",
  unspecified: "the unspecified address",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  reserved: "a reserved address",
  teredo: "a Teredo tunnel address",
  nat64LocalUse: "a local-use NAT64 address (64:ff9b:1::/48)",
};

/** Why `ip` may not be connected to, or `null` when it is a public unicast address. */
export interface ForbiddenAddress {
  address: string;
  /** the range it falls in: loopback, private, linkLocal, metadata, ... */
  range: string;
  /** what it is, e.g. "a loopback address" */
  description: string;
  /** a sentence, e.g. "127.0.0.1 is a loopback address" */
  reason: string;
}

/**
 * Classifies `ip` (a textual IPv4 or IPv6 address, zone ids allowed). Returns `null` for a
 * public unicast address, otherwise what makes it forbidden. Anything that does not parse as an
 * IP address is forbidden: the policy fails closed.
 */
export function classifyForbiddenAddress(ip: string): ForbiddenAddress | null {
  let parsed: ParsedAddress;
  try {
    parsed = ipaddr.parse(withHexIPv4Tail(ip));
  } catch {
    const description = "not a valid IP address";
    return { address: ip, range: "invalid", description, reason: `${ip} is ${description}` };
  }
  const embedded = embeddedIPv4(parsed);
  const judged = embedded ?? parsed;
  let range = rangeOf(judged);
  // `::a.b.c.d` is deprecated and never a real tunnel address, whatever it embeds.
  if (range === "unicast" && parsed.kind() === "ipv6" && isIPv4Compatible(parsed as ipaddr.IPv6))
    range = "reserved";
  if (range === "unicast") return null;
  const via = embedded ? ` (it embeds ${embedded.toString()})` : "";
  const description = `${DESCRIPTIONS[range] ?? `a special-purpose address (${range})`}${via}`;
  return { address: ip, range, description, reason: `${ip} is ${description}` };
}

/** True when the Gateway must not connect to `ip` (see `classifyForbiddenAddress`). */
export function isForbiddenAddress(ip: string): boolean {
  return classifyForbiddenAddress(ip) !== null;
}

/**
 * The looser policy used with ALLOW_INSECURE_TUNNELS (development): loopback and private
 * addresses are fine, but link-local addresses, the cloud metadata service and anything that is
 * not an IP address stay forbidden, so a dev setting left on in the cloud cannot reach IMDS.
 */
export function classifyForbiddenAddressInsecure(ip: string): ForbiddenAddress | null {
  const strict = classifyForbiddenAddress(ip);
  if (strict && ["metadata", "linkLocal", "invalid"].includes(strict.range)) return strict;
  return null;
}

function rangeOf(address: ParsedAddress): string {
  if (METADATA_ADDRESSES.includes(address.toNormalizedString())) return "metadata";
  if (address.kind() === "ipv4") return address.range();
  const range = (address as ipaddr.IPv6).range();
  // 64:ff9b::/96 is the well-known NAT64 prefix (embedded IPv4 judged above);
  // 64:ff9b:1::/48 is for local use and never a public Core.
  if (range === "rfc6052") return "nat64LocalUse";
  return range;
}

/**
 * The IPv4 address carried inside an IPv6 address that a host would actually reach, if any:
 * IPv4-mapped and -translated (last 32 bits), well-known-prefix NAT64 (last 32 bits), 6to4
 * (bits 16..48) and the deprecated IPv4-compatible form (last 32 bits).
 */
function embeddedIPv4(address: ParsedAddress): ipaddr.IPv4 | undefined {
  if (address.kind() !== "ipv6") return undefined;
  const v6 = address as ipaddr.IPv6;
  const p = v6.parts;
  const fromParts = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const range = v6.range();
  if (range === "ipv4Mapped" || range === "rfc6145") return fromParts(p[6]!, p[7]!);
  if (range === "rfc6052" && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0)
    return fromParts(p[6]!, p[7]!);
  if (range === "6to4") return fromParts(p[1]!, p[2]!);
  if (isIPv4Compatible(v6)) return fromParts(p[6]!, p[7]!);
  return undefined;
}

/**
 * Rewrites a dotted IPv4 tail of an IPv6 address (`::127.0.0.1`) into two hex groups
 * (`::7f00:1`): ipaddr.js reads every dotted tail as IPv4-mapped, which would misjudge `::a.b.c.d`.
 */
function withHexIPv4Tail(ip: string): string {
  const match = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(%.*)?$/.exec(ip);
  if (!match || !ipaddr.IPv4.isValidFourPartDecimal(match[2]!)) return ip;
  const [a, b, c, d] = ipaddr.IPv4.parse(match[2]!).octets as [number, number, number, number];
  const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  return `${match[1]}${hex}${match[3] ?? ""}`;
}

/** Deprecated IPv4-compatible form `::a.b.c.d` (not `::` or `::1`, which have their own ranges). */
function isIPv4Compatible(v6: ipaddr.IPv6): boolean {
  const p = v6.parts;
  return p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || (p[7] ?? 0) > 1);
}
