import type { Logger } from "../../common/logger.js";
import type { CoreConfig } from "../config.js";
import { createNgrokTunnel, type NgrokForward } from "./ngrok.js";
import { createNoTunnel } from "./none.js";
import type { TunnelProvider } from "./provider.js";

/** The one place the tunnel kind is decided. */
export function selectTunnel(config: CoreConfig, logger: Logger, forward?: NgrokForward): TunnelProvider {
  if (config.tunnel.kind === "ngrok") {
    return createNgrokTunnel({
      authtoken: config.tunnel.authtoken,
      ...(config.tunnel.domain ? { domain: config.tunnel.domain } : {}),
      logger,
      ...(forward ? { forward } : {}),
    });
  }
  return createNoTunnel(config.publicUrl);
}
