/** What a JSON request answered: a body that is not JSON comes back as `{ raw: <first 200 characters> }`. */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface JsonRequest {
  method?: string;
  /** sent as `X-API-KEY`, never in the URL */
  key?: string;
  /** sent as JSON */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One HTTP request with a JSON body in and out, as the runbooks, scripts and tests send them. */
export async function requestJson(url: string | URL, init: JsonRequest = {}): Promise<JsonAnswer> {
  const headers: Record<string, string> = { accept: "application/json", ...init.headers };
  if (init.key) headers["x-api-key"] = init.key;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { raw: text.slice(0, 200) };
  }
  return { status: res.status, headers: res.headers, body };
}
