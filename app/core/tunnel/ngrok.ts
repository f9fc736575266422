import type { Logger } from "../../common/logger.js";
import type { TunnelProvider } from "./provider.js";

/** The slice of `@ngrok/ngrok` the Core uses: `forward()` and the listener it resolves to. */
export interface NgrokListener {
  url(): string | null;
  close(): Promise<void>;
}
export interface NgrokForwardConfig {
  addr: string;
  authtoken: string;
  domain?: string;
  onStatusChange?: (status: string) => void;
}
export type NgrokForward = (config: NgrokForwardConfig) => Promise<NgrokListener>;

/** The real SDK, loaded only when TUNNEL=ngrok (it carries a native binary). */
export const sdkForward: NgrokForward = async (config) => {
  const ngrok = await import("@ngrok/ngrok");
  return ngrok.forward(config);
};

export interface NgrokTunnelOptions {
  authtoken: string;
  domain?: string;
  logger: Logger;
  forward?: NgrokForward;
}

/** ngrok in-process: no agent, no container. The authtoken is passed in, never logged. */
export function createNgrokTunnel(options: NgrokTunnelOptions): TunnelProvider {
  const forward = options.forward ?? sdkForward;
  const listeners: ((url: string) => void)[] = [];
  let listener: NgrokListener | undefined;
  let currentUrl: string | undefined;

  const checkUrl = () => {
    const url = listener?.url() ?? undefined;
    if (url && url !== currentUrl) {
      currentUrl = url;
      options.logger.info({ url }, "ngrok tunnel URL changed");
      for (const notify of listeners) notify(url);
    }
  };

  return {
    kind: "ngrok",
    async start(localUrl) {
      listener = await forward({
        addr: localUrl,
        authtoken: options.authtoken,
        ...(options.domain ? { domain: options.domain } : {}),
        onStatusChange: (status) => {
          options.logger.info({ status }, "ngrok session status");
          if (status === "connected") checkUrl();
        },
      });
      const url = listener.url();
      if (!url) throw new Error("ngrok started but reported no public URL");
      currentUrl = url;
      return url;
    },
    onUrlChange(notify) {
      listeners.push(notify);
    },
    async close() {
      await listener?.close();
      listener = undefined;
    },
  };
}
