import type { TunnelProvider } from "./provider.js";

/** No tunnel: the public URL is CORE_PUBLIC_URL when set, else the local URL. */
export function createNoTunnel(publicUrl?: string): TunnelProvider {
  return {
    kind: "none",
    start: async (localUrl) => publicUrl ?? localUrl,
    onUrlChange: () => undefined,
    close: async () => undefined,
  };
}
