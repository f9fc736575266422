import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/** Resolves a host name to every address it has (IPv4 and IPv6), as text. */
export type HostResolver = (host: string) => Promise<string[]>;

/** The operating system's resolver (getaddrinfo, so /etc/hosts counts), all addresses. */
export const systemResolver: HostResolver = async (host) => {
  const records = await lookup(host, { all: true, verbatim: true });
  return records.map((r) => r.address);
};

/** Host names can't be resolved in time or at all: the message is safe to show to a client. */
export class HostResolutionError extends Error {
  override name = "HostResolutionError";
  constructor(
    readonly host: string,
    readonly code: "timeout" | "not_found",
  ) {
    super(code === "timeout" ? `resolving ${host} timed out` : `${host} could not be resolved`);
  }
}

/**
 * The addresses `host` stands for: the host itself when it is an IP literal (brackets of an IPv6
 * URL host removed), otherwise what `resolve` answers within `timeoutMs`. Never an empty list:
 * a host with no address throws `HostResolutionError`.
 */
export async function resolveHostAddresses(
  host: string,
  resolve: HostResolver,
  timeoutMs: number,
): Promise<string[]> {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return [bare];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HostResolutionError(bare, "timeout")), timeoutMs);
    timer.unref();
  });
  try {
    const addresses = await Promise.race([resolve(bare), timeout]);
    if (addresses.length === 0) throw new HostResolutionError(bare, "not_found");
    return addresses;
  } catch (err) {
    if (err instanceof HostResolutionError) throw err;
    throw new HostResolutionError(bare, "not_found");
  } finally {
    clearTimeout(timer);
  }
}
