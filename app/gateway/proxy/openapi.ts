import { BadGatewayError } from "../../common/errors.js";
import { PROBLEM_JSON } from "../../common/problem-details.js";

/** The name under which the Gateway's API key scheme appears in the document. */
export const GATEWAY_SECURITY_SCHEME = "ApiKeyAuth";

/** GPT Actions fail on answers over 100,000 characters; the Core's budget (MAX_RESPONSE_CHARS) stays under it. */
export const GPT_ACTION_MAX_ANSWER_CHARS = 100_000;

type HttpMethod = "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace";

/** A Core route the Gateway proxies and a GPT may call: a read, never /mcp or the document itself. */
export type ActionRoute = readonly [HttpMethod, string];

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * RFC 9457 problem details, as every Gateway and Core error is sent (docs/errors.md): `error`
 * repeats `detail` for clients of the earlier system; the optional members appear where named.
 */
export const PROBLEM_SCHEMA = {
  type: "object",
  description: "RFC 9457 problem details (application/problem+json)",
  properties: {
    type: { type: "string", description: "Always about:blank" },
    title: { type: "string", description: "The status code's standard text" },
    status: { type: "integer", description: "The HTTP status code" },
    detail: { type: "string", description: "What was wrong and what to do" },
    error: { type: "string", description: "The same text as detail" },
    limit: { type: "integer", description: "429: the key's requests per minute" },
    reset_at: { type: "string", format: "date-time", description: "429: when the window resets" },
    retry_after: { type: "integer", description: "429: seconds to wait" },
    request_id: { type: "string", description: "500: the id to look up in the Gateway's log" },
  },
  required: ["type", "title", "status", "detail", "error"],
} as const;

const rateLimitHeader = (description: string) => ({ description, schema: { type: "integer" } });
const RATE_LIMIT_HEADERS = {
  "RateLimit-Limit": rateLimitHeader("Requests per minute allowed for this key"),
  "RateLimit-Remaining": rateLimitHeader("Requests left in the current window"),
  "RateLimit-Reset": rateLimitHeader("Seconds until the window resets"),
};

const problem = (description: string, headers?: JsonObject) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { [PROBLEM_JSON]: { schema: { $ref: "#/components/schemas/Error" } } },
});

/** What the Gateway itself may answer on any proxied read, beside what the Core answers. */
function gatewayResponses(hasBody: boolean): Record<string, JsonObject> {
  return {
    "400": problem("The request is not valid; detail names the parameter"),
    "401": problem("Missing, invalid, expired, revoked or rotated API key"),
    "403": problem("The admin key has no Core; use the key the Core registered with"),
    ...(hasBody ? { "413": problem("Request body too large") } : {}),
    "429": problem("Rate limit of this key, or too many failed keys from this address", {
      "Retry-After": rateLimitHeader("Seconds to wait before trying again"),
      ...RATE_LIMIT_HEADERS,
    }),
    "500": problem("Unexpected error; detail and request_id say where to look"),
    "502": problem("The Core refused the connection, failed, or sent an answer that is too large"),
    "503": problem("No Core is registered for this key, or the Gateway is overloaded"),
    "504": problem("The Core did not answer in time"),
  };
}

/**
 * The Core's OpenAPI document as a GPT Action imports it from the Gateway, without a key (it
 * holds no secret): the only server is the Gateway, the only scheme is `X-API-KEY`, and the only
 * operations are the reads in `actions` (no /mcp, no health, not the document itself). POST reads
 * carry `x-openai-isConsequential: false` so ChatGPT does not ask before each call; every status
 * the Gateway can answer is documented with its problem+json body. The input is not modified;
 * a document that is not a JSON object → 502.
 */
export function buildActionsDocument(
  coreDoc: unknown,
  gatewayPublicUrl: string,
  actions: readonly ActionRoute[],
): JsonObject {
  if (!isObject(coreDoc)) throw new BadGatewayError("The Core's OpenAPI document is not a JSON object");
  const out = structuredClone(coreDoc);
  const info = isObject(out.info) ? out.info : {};
  out.info = {
    ...info,
    title: "CodeQuery",
    description: `${typeof info.description === "string" ? `${info.description} ` : ""}Served through the CodeQuery Gateway: send your API key in X-API-KEY.`,
    // CodeQuery is a private package without an open licence; the field says so (lint rules
    // info-license and info-license-strict; LicenseRef- is SPDX's form for a licence of one's own).
    license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
  };
  out.servers = [{ url: gatewayPublicUrl.replace(/\/+$/, "") }];

  const corePaths = isObject(out.paths) ? out.paths : {};
  const paths: JsonObject = {};
  for (const [method, path] of actions) {
    const operation = isObject(corePaths[path]) ? (corePaths[path] as JsonObject)[method] : undefined;
    if (!isObject(operation)) continue;
    delete operation.security;
    const hasBody = operation.requestBody !== undefined;
    if (method !== "get") operation["x-openai-isConsequential"] = false;
    const coreResponses = isObject(operation.responses) ? operation.responses : {};
    // The Core's own descriptions win for statuses both answer; the body shape is the same.
    operation.responses = sortByStatus({ ...gatewayResponses(hasBody), ...coreResponses });
    paths[path] = { ...(isObject(paths[path]) ? paths[path] : {}), [method]: operation };
  }
  out.paths = paths;

  const components = isObject(out.components) ? out.components : {};
  components.securitySchemes = {
    [GATEWAY_SECURITY_SCHEME]: { type: "apiKey", in: "header", name: "X-API-KEY" },
  };
  components.schemas = { ...(isObject(components.schemas) ? components.schemas : {}), Error: PROBLEM_SCHEMA };
  out.components = components;
  out.security = [{ [GATEWAY_SECURITY_SCHEME]: [] }];
  pruneUnusedSchemas(out);
  return out;
}

/** Drops schemas only the removed operations used (lint rule no-unused-components). */
function pruneUnusedSchemas(doc: JsonObject): void {
  const schemas = (doc.components as JsonObject).schemas as JsonObject;
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    const ref = node.$ref;
    if (typeof ref === "string" && ref.startsWith("#/components/schemas/")) {
      const name = ref.slice("#/components/schemas/".length);
      if (!used.has(name)) {
        used.add(name);
        visit(schemas[name]);
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(doc.paths);
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
}

function sortByStatus(responses: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}
