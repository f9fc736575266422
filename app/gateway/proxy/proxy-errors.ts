import { AppError, BadGatewayError, GatewayTimeoutError } from "../../common/errors.js";
import { HostResolutionError } from "../tunnels/resolve-host.js";
import { ForbiddenCoreAddressError } from "./guarded-connector.js";

/** Why a proxied request failed; the `onError` metrics hook receives it. */
export type ProxyErrorKind =
  | "timeout"
  | "connection_refused"
  | "dns"
  | "tls"
  | "forbidden_address"
  | "insecure_target"
  | "connection_failed"
  | "request_too_large"
  | "response_too_large"
  | "content_type"
  | "core_unauthorized";

const CORE_TIMEOUT_MESSAGE = "The Core did not answer in time";

/**
 * The Core's body passed the Gateway's limit. `expose` tells Koa's default error listener the
 * failure is already handled (logged, counted) when it cuts a stream.
 */
export class ResponseTooLargeError extends Error {
  override name = "ResponseTooLargeError";
  readonly expose = true;
  constructor(readonly limitBytes: number) {
    super(`response larger than ${limitBytes} bytes`);
  }
}

/** The proxied request used up its total time (PROXY_TOTAL_TIMEOUT_MS). */
export class DeadlineError extends Error {
  override name = "DeadlineError";
  constructor() {
    super("the proxied request passed its total deadline");
  }
}

/**
 * The caller closed its connection before the answer: nobody is left to answer, and nothing
 * went wrong on the Gateway's side. 499 (nginx's "client closed request") keeps it out of the
 * 5xx figures; the request log writes it at debug level.
 */
export class CallerGoneError extends AppError {
  constructor() {
    super(499, "The caller closed the connection");
  }
}

/** A streamed response was cut because the Core failed mid-stream (already logged and counted). */
export class StreamCutError extends Error {
  override name = "StreamCutError";
  readonly expose = true;
  constructor(cause: unknown) {
    super("The Core's stream failed", { cause });
  }
}

const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO$)/;

function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * Turns a failure talking to the Core into the error the caller sees (502 or 504 with a clear
 * message that names no internals: no addresses, ports or library messages) and its kind.
 */
export function classifyProxyFailure(err: unknown): { kind: ProxyErrorKind; error: AppError } {
  if (err instanceof ResponseTooLargeError) {
    return {
      kind: "response_too_large",
      error: new BadGatewayError(
        `The Core's response is larger than the Gateway's limit of ${err.limitBytes} bytes`,
      ),
    };
  }
  if (err instanceof DeadlineError) {
    return { kind: "timeout", error: new GatewayTimeoutError(CORE_TIMEOUT_MESSAGE) };
  }
  if (err instanceof ForbiddenCoreAddressError) {
    return {
      kind: "forbidden_address",
      error: new BadGatewayError(
        "The Core's tunnel host now resolves to an address the Gateway may not reach; the request was refused",
      ),
    };
  }
  if (err instanceof HostResolutionError) {
    return err.code === "timeout"
      ? { kind: "timeout", error: new GatewayTimeoutError(CORE_TIMEOUT_MESSAGE) }
      : {
          kind: "dns",
          error: new BadGatewayError("The Core's tunnel host could not be resolved; is the tunnel up?"),
        };
  }
  const codes = codesOf(err);
  const has = (...wanted: string[]) => codes.some((c) => wanted.includes(c));
  if (has("UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT")) {
    return { kind: "timeout", error: new GatewayTimeoutError(CORE_TIMEOUT_MESSAGE) };
  }
  if (has("ECONNREFUSED")) {
    return {
      kind: "connection_refused",
      error: new BadGatewayError("The Core refused the connection; is it running?"),
    };
  }
  if (has("ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME")) {
    return {
      kind: "dns",
      error: new BadGatewayError("The Core's tunnel host could not be resolved; is the tunnel up?"),
    };
  }
  if (codes.some((c) => TLS_CODE.test(c))) {
    return { kind: "tls", error: new BadGatewayError("The TLS handshake with the Core failed") };
  }
  return { kind: "connection_failed", error: new BadGatewayError("The connection to the Core failed") };
}
