import { Agent, request } from "undici";
import { createGuardedConnector } from "../proxy/guarded-connector.js";
import { systemResolver, type HostResolver } from "../tunnels/resolve-host.js";

export interface CoreStatus {
  registered: boolean;
  /** null when there is nothing to ask (no Core registered) */
  answering: boolean | null;
  registered_at: string | null;
  /** why it is not answering, for the admin */
  detail?: string;
}

export interface CoreStatusOptions {
  /** the registered Core of a key (the Gateway's TunnelRegistry.describe) */
  describe(keyId: string): Promise<{ url: string; registered_at: string } | null>;
  /** ALLOW_INSECURE_TUNNELS: loopback/private Core addresses allowed (development) */
  allowInsecure: boolean;
  timeoutMs?: number;
  resolve?: HostResolver;
}

/**
 * Whether a key's Core answers its health route (`GET /`, no credentials sent). The URL comes
 * from the registry, never from the caller, and the connection goes through the same guarded
 * connector as the proxy, so the check cannot be turned into an SSRF probe.
 */
export function createCoreStatus(options: CoreStatusOptions): {
  status(keyId: string): Promise<CoreStatus>;
  close(): Promise<void>;
} {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const dispatcher = new Agent({
    connect: createGuardedConnector({
      connectTimeoutMs: timeoutMs,
      allowInsecure: options.allowInsecure,
      resolve: options.resolve ?? systemResolver,
    }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  return {
    async status(keyId) {
      const tunnel = await options.describe(keyId);
      if (!tunnel) return { registered: false, answering: null, registered_at: null };
      const base = { registered: true, registered_at: tunnel.registered_at };
      try {
        // Redirects are not followed: the check talks to the registered address only.
        const res = await request(`${tunnel.url.replace(/\/+$/, "")}/`, {
          method: "GET",
          dispatcher,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.body.dump({ limit: 64 * 1024 });
        return res.statusCode === 200
          ? { ...base, answering: true }
          : { ...base, answering: false, detail: `the Core answered ${res.statusCode}` };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return { ...base, answering: false, detail: `no answer: ${message}` };
      }
    },
    close: () => dispatcher.close(),
  };
}
