import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import type { Context } from "koa";

/**
 * The caller's address, as limits and the audit use it: always a valid IP in canonical form.
 *
 * With TRUST_PROXY, Koa reads X-Forwarded-For keeping only the last `TRUST_PROXY_HOPS` entries
 * (`maxIpsCount`), so the address is the one the outermost trusted proxy appended; whatever a
 * client wrote to the left of it is ignored. A value that is not an IP (a forged or garbled
 * header) falls back to the socket's peer, never into a record.
 */
export function clientAddress(ctx: Context): string {
  const known = ctx.state.clientIp as string | undefined;
  if (known !== undefined) return known;
  const address = canonicalIp(ctx.ip) ?? canonicalIp(ctx.socket.remoteAddress) ?? "unknown";
  ctx.state.clientIp = address;
  return address;
}

function canonicalIp(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const family = isIP(raw);
  if (family === 4) return raw;
  if (family !== 6) return undefined;
  // "::ffff:127.0.0.1" and "127.0.0.1" are the same caller; one spelling per address.
  return ipaddr.process(raw).toString();
}
