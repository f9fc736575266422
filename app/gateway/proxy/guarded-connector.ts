import { buildConnector } from "undici";
import {
  classifyForbiddenAddress,
  classifyForbiddenAddressInsecure,
  type ForbiddenAddress,
} from "../tunnels/address-policy.js";
import { HostResolutionError, resolveHostAddresses, type HostResolver } from "../tunnels/resolve-host.js";

/** The Core's host now resolves to an address the Gateway must not reach (e.g. DNS rebinding). */
export class ForbiddenCoreAddressError extends Error {
  override name = "ForbiddenCoreAddressError";
  readonly code = "ERR_CQ_FORBIDDEN_ADDRESS";
  constructor(
    readonly host: string,
    readonly forbidden: ForbiddenAddress,
  ) {
    super(`${host} resolves to ${forbidden.reason}`);
  }
}

export interface GuardedConnectorOptions {
  /** bounds DNS resolution, then (separately) the TCP + TLS handshake */
  connectTimeoutMs: number;
  /** development: loopback and private addresses allowed (link-local and metadata never) */
  allowInsecure: boolean;
  resolve: HostResolver;
}

/**
 * An undici connector that resolves the Core's host itself, refuses the connection when any
 * address is forbidden, and then connects to a checked address. The registration check alone
 * is not enough: a host that resolved to a public address then may resolve to 127.0.0.1 now
 * (DNS rebinding). The Host header and TLS server name stay the original host name, so
 * certificates are verified against it.
 */
export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const connectDirect = buildConnector({ timeout: options.connectTimeoutMs });
  const classify = options.allowInsecure ? classifyForbiddenAddressInsecure : classifyForbiddenAddress;

  return (connectOptions, callback) => {
    const { hostname } = connectOptions;
    resolveHostAddresses(hostname, options.resolve, options.connectTimeoutMs).then(
      (addresses) => {
        for (const address of addresses) {
          const forbidden = classify(address);
          if (forbidden) {
            callback(new ForbiddenCoreAddressError(hostname, forbidden), null);
            return;
          }
        }
        // `host` (name:port) still carries the name, from which undici derives the TLS server name.
        connectDirect({ ...connectOptions, hostname: addresses[0]! }, callback);
      },
      (err: unknown) => {
        callback(
          err instanceof HostResolutionError ? err : new HostResolutionError(hostname, "not_found"),
          null,
        );
      },
    );
  };
}
