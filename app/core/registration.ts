import { backoffDelay, sleep as realSleep } from "../common/backoff.js";
import type { Logger } from "../common/logger.js";
import type { CoreCredentials } from "./credentials.js";

export interface RegistrationOptions {
  gatewayUrl: string;
  apiKey: string;
  credentials: CoreCredentials;
  logger: Logger;
  backoff: { baseMs: number; capMs: number };
  fetch?: typeof fetch;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  requestTimeoutMs?: number;
}

export type RegistrationState =
  | { state: "idle" }
  | { state: "registering"; url: string; attempts: number; lastError?: string }
  | { state: "registered"; url: string; attempts: number; registeredAt: string };

class RegistrationError extends Error {}

/**
 * Registers the Core's public URL with the Gateway, with a fresh bearer token per attempt:
 * POST /ngrok-urls/ then GET /ngrok-urls/self to verify. Retries with capped exponential backoff
 * and jitter while the Gateway is down; a new URL cancels the running attempt and starts over.
 * The API key travels in a header only, and neither key nor token is ever logged.
 */
export class GatewayRegistration {
  private status: RegistrationState = { state: "idle" };
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly options: RegistrationOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? realSleep;
  }

  get state(): RegistrationState {
    return this.status;
  }

  /** Starts (or restarts, for a new URL) registration in the background. */
  register(url: string): void {
    this.controller?.abort(new Error("superseded by a new tunnel URL"));
    const controller = new AbortController();
    this.controller = controller;
    this.status = { state: "registering", url, attempts: 0 };
    this.running = this.registerUntilConfirmed(url, controller.signal);
  }

  /** Resolves once the latest URL is confirmed by the Gateway. */
  whenRegistered(): Promise<void> {
    if (this.status.state === "registered") return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.controller?.abort(new Error("shutting down"));
    await this.running;
  }

  private async registerUntilConfirmed(url: string, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        await this.attempt(url, signal);
        this.status = {
          state: "registered",
          url,
          attempts: attempt + 1,
          registeredAt: new Date().toISOString(),
        };
        this.options.logger.info({ url, attempts: attempt + 1 }, "registered with the Gateway");
        this.waiters.splice(0).forEach((resolve) => resolve());
        return;
      } catch (err) {
        if (signal.aborted) return;
        const delay = backoffDelay(
          attempt,
          this.options.backoff.baseMs,
          this.options.backoff.capMs,
          this.options.random,
        );
        const reason = describe(err);
        this.status = { state: "registering", url, attempts: attempt + 1, lastError: reason };
        this.options.logger.warn(
          { gateway: this.options.gatewayUrl, attempt: attempt + 1, reason, retry_in_ms: delay },
          "registration with the Gateway failed; still serving locally, will retry",
        );
        try {
          await this.sleep(delay, signal);
        } catch {
          return; // aborted while waiting
        }
      }
    }
  }

  private async attempt(url: string, signal: AbortSignal): Promise<void> {
    const token = this.options.credentials.offerNewToken();
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000)]);
    const headers = { "X-API-KEY": this.options.apiKey, Accept: "application/json" };
    const posted = await this.fetch(`${this.options.gatewayUrl}/ngrok-urls/`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ ngrok_url: url, core_token: token }),
      signal: timeout,
    });
    await posted.body?.cancel();
    if (!posted.ok) throw new RegistrationError(`Gateway answered ${posted.status} to the registration`);

    const verified = await this.fetch(`${this.options.gatewayUrl}/ngrok-urls/self`, {
      headers,
      signal: timeout,
    });
    if (!verified.ok) {
      await verified.body?.cancel();
      throw new RegistrationError(`Gateway answered ${verified.status} to the verification`);
    }
    const record = (await verified.json().catch(() => undefined)) as { ngrok_url?: unknown } | undefined;
    if (typeof record?.ngrok_url !== "string" || trimSlash(record.ngrok_url) !== trimSlash(url)) {
      throw new RegistrationError("Gateway holds a different URL than the one registered");
    }
    this.options.credentials.confirm(token);
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** A short reason for the log: our own messages, or the network error code; never a body. */
function describe(err: unknown): string {
  if (err instanceof RegistrationError) return err.message;
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  if (cause) return `Gateway unreachable (${cause})`;
  if ((err as Error)?.name === "TimeoutError") return "Gateway did not answer in time";
  return "Gateway unreachable";
}
