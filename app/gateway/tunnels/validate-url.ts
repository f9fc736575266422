import { BadRequestError } from "../../common/errors.js";
import { classifyForbiddenAddress, classifyForbiddenAddressInsecure } from "./address-policy.js";
import { isHostAllowed } from "./host-allowlist.js";
import {
  HostResolutionError,
  resolveHostAddresses,
  systemResolver,
  type HostResolver,
} from "./resolve-host.js";

export { isForbiddenAddress, classifyForbiddenAddress } from "./address-policy.js";
export { DEFAULT_TUNNEL_HOST_ALLOWLIST, isHostAllowed, isValidHostPattern } from "./host-allowlist.js";
export type { HostResolver } from "./resolve-host.js";

export const MAX_TUNNEL_URL_LENGTH = 2048;
const DEFAULT_RESOLVE_TIMEOUT_MS = 5_000;

export interface ValidateTunnelUrlOptions {
  /** host patterns (`*.ngrok-free.app`) or exact hosts; see host-allowlist.ts */
  allowlist: readonly string[];
  /**
   * ALLOW_INSECURE_TUNNELS (development only): permits http, hosts outside the allowlist and
   * loopback/private addresses. Link-local and cloud metadata addresses stay forbidden.
   */
  allowInsecure: boolean;
  /** DNS resolution, injectable for tests; default: the system resolver, all addresses */
  resolve?: HostResolver;
  resolveTimeoutMs?: number;
}

/**
 * Checks a Core's tunnel URL before the Gateway stores it (`POST /ngrok-urls/`), so the Gateway
 * can never be pointed at its own network (SSRF). Returns the parsed URL; throws
 * `BadRequestError` (400) saying what is wrong:
 * not a URL, not https, credentials or a query/fragment in it, host not in the allowlist, host
 * that does not resolve, or any resolved address that is not public unicast (loopback, private,
 * CGNAT, link-local, metadata, unique-local, multicast, reserved, and the IPv6 forms embedding
 * those). IP literals in any spelling (`2130706433`, `0x7f.1`, `[::ffff:7f00:1]`) are normalised
 * by the URL parser first, so they are judged by the address they denote.
 *
 * The proxy checks the address again when it connects (DNS may change after registration).
 */
export async function validateTunnelUrl(raw: unknown, options: ValidateTunnelUrlOptions): Promise<URL> {
  const url = parseTunnelUrl(raw, options.allowInsecure);
  const host = url.hostname;
  if (!options.allowInsecure && !isHostAllowed(host, options.allowlist)) {
    throw new BadRequestError(
      `Tunnel URL host "${host}" is not an allowed tunnel domain (allowed: ${options.allowlist.join(", ") || "none"})`,
    );
  }

  let addresses: string[];
  try {
    addresses = await resolveHostAddresses(
      host,
      options.resolve ?? systemResolver,
      options.resolveTimeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS,
    );
  } catch (err) {
    if (err instanceof HostResolutionError && err.code === "timeout") {
      throw new BadRequestError(`Tunnel URL host "${err.host}" could not be resolved in time; try again`);
    }
    throw new BadRequestError(`Tunnel URL host "${host}" does not resolve to any address`);
  }

  const classify = options.allowInsecure ? classifyForbiddenAddressInsecure : classifyForbiddenAddress;
  for (const address of addresses) {
    const forbidden = classify(address);
    if (forbidden) {
      const isLiteral = address === host.replace(/^\[|\]$/g, "");
      const what = isLiteral
        ? `Tunnel URL host ${address} is ${forbidden.description}`
        : `Tunnel URL host "${host}" resolves to ${address}, ${forbidden.description}`;
      throw new BadRequestError(`${what}; the Gateway only connects to public addresses`);
    }
  }
  return url;
}

/** The syntactic checks: a string that parses as an http(s) URL without credentials, query or fragment. */
function parseTunnelUrl(raw: unknown, allowInsecure: boolean): URL {
  if (typeof raw !== "string" || raw.trim() === "") {
    throw new BadRequestError("Tunnel URL must be a non-empty string");
  }
  if (raw.length > MAX_TUNNEL_URL_LENGTH) {
    throw new BadRequestError(`Tunnel URL is too long (at most ${MAX_TUNNEL_URL_LENGTH} characters)`);
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new BadRequestError("Tunnel URL is not a valid URL");
  }
  if (url.protocol === "http:" && !allowInsecure) {
    throw new BadRequestError(
      "Tunnel URL must use https (http is accepted only with ALLOW_INSECURE_TUNNELS)",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new BadRequestError("Tunnel URL must use https");
  }
  if (url.hostname === "") {
    throw new BadRequestError("Tunnel URL has no host");
  }
  if (url.username !== "" || url.password !== "") {
    throw new BadRequestError("Tunnel URL must not contain credentials");
  }
  // The proxy appends the API path and the caller's query string to this URL.
  if (url.search !== "" || url.hash !== "" || raw.includes("?") || raw.includes("#")) {
    throw new BadRequestError("Tunnel URL must not contain a query string or fragment");
  }
  return url;
}
