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
  | { state: "registered"; url: string; attempts: number; registeredAt: string }
  | { state: "refused"; url: string; attempts: number; status: number; reason: string; fix: string };

class RegistrationError extends Error {}

/**
 * The Gateway said no in a way retrying cannot change (a 4xx other than 408 and 429): wrong key,
 * a URL it does not accept, ... Carries the Gateway's own reason and what to do about it.
 */
export class RegistrationRefusedError extends Error {
  override name = "RegistrationRefusedError";
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly fix: string,
  ) {
    super(`the Gateway refused the registration (${status}): ${reason}. ${fix}`);
  }
}

/**
 * Registers the Core's public URL with the Gateway, with a fresh bearer token per attempt:
 * POST /ngrok-urls/ then GET /ngrok-urls/self to verify. Retries with capped exponential backoff
 * and jitter while the Gateway is down or busy; a new URL cancels the running attempt and starts
 * over. A permanent refusal (wrong key, URL not accepted) stops the retries at once and is logged
 * as one error line with the Gateway's reason and the fix.
 * The API key travels in a header only, and neither key nor token is ever logged.
 */
export class GatewayRegistration {
  private status: RegistrationState = { state: "idle" };
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private refusal: RegistrationRefusedError | undefined;

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
    this.refusal = undefined;
    this.running = this.registerUntilConfirmed(url, controller.signal);
  }

  /** Resolves once the latest URL is confirmed by the Gateway; rejects if the Gateway refuses it. */
  whenRegistered(): Promise<void> {
    if (this.status.state === "registered") return Promise.resolve();
    if (this.status.state === "refused" && this.refusal) return Promise.reject(this.refusal);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
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
        this.waiters.splice(0).forEach((waiter) => waiter.resolve());
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof RegistrationRefusedError) {
          this.refuse(url, attempt + 1, err);
          return;
        }
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

  private refuse(url: string, attempts: number, err: RegistrationRefusedError): void {
    this.refusal = err;
    this.status = { state: "refused", url, attempts, status: err.status, reason: err.reason, fix: err.fix };
    this.options.logger.error(
      { gateway: this.options.gatewayUrl, status: err.status, reason: err.reason, fix: err.fix },
      `${err.message} Not retrying; still serving locally.`,
    );
    this.waiters.splice(0).forEach((waiter) => waiter.reject(err));
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
    if (!posted.ok) throw await refusalOf(posted, "registration", url);
    await posted.body?.cancel();

    const verified = await this.fetch(`${this.options.gatewayUrl}/ngrok-urls/self`, {
      headers,
      signal: timeout,
    });
    if (!verified.ok) throw await refusalOf(verified, "verification", url);
    const record = (await verified.json().catch(() => undefined)) as { ngrok_url?: unknown } | undefined;
    if (typeof record?.ngrok_url !== "string" || trimSlash(record.ngrok_url) !== trimSlash(url)) {
      throw new RegistrationError("Gateway holds a different URL than the one registered");
    }
    this.options.credentials.confirm(token);
  }
}

/** 408 and 429 say "later"; any other 4xx says "not like this", and retrying cannot help. */
function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * The error for a non-2xx answer, with the Gateway's own message (`detail`, or `error` from
 * older Gateways), cut short. Never the request: it holds the key and token.
 */
async function refusalOf(res: Response, step: string, url: string): Promise<Error> {
  const text = await res.text().catch(() => "");
  let reason = "";
  try {
    const body = JSON.parse(text) as { detail?: unknown; error?: unknown };
    const message = typeof body.detail === "string" ? body.detail : body.error;
    if (typeof message === "string") reason = message.slice(0, 300);
  } catch {
    // not JSON: keep only the status
  }
  if (!isPermanent(res.status)) {
    return new RegistrationError(
      `Gateway answered ${res.status} to the ${step}${reason ? `: ${reason}` : ""}`,
    );
  }
  return new RegistrationRefusedError(
    res.status,
    reason || `${res.status} to the ${step}`,
    fixFor(res.status, reason, url),
  );
}

function fixFor(status: number, reason: string, url: string): string {
  if (status === 401)
    return "Set API_KEY to a key this Gateway issued (make api-keys CMD=create, against this Gateway) and restart the Core";
  if (status === 403) return "Ask the Gateway's admin whether this key may register a Core";
  if (
    /https|loopback|private|not an allowed tunnel domain|public addresses/i.test(reason) ||
    url.startsWith("http:")
  )
    return "Use a tunnel the Gateway accepts (TUNNEL=ngrok with NGROK_AUTHTOKEN), or, for a Gateway on this machine, start it with ALLOW_INSECURE_TUNNELS=true";
  return "Fix what the Gateway names and restart the Core";
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
