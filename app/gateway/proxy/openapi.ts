import { BadGatewayError } from "../../common/errors.js";

/** The name under which the Gateway's API key scheme appears in the rewritten document. */
export const GATEWAY_SECURITY_SCHEME = "ApiKeyAuth";

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

type JsonObject = Record<string, unknown>;
type SecurityRequirement = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The Core's OpenAPI document as the Gateway serves it, so a GPT Action imports it as is:
 * the only server is the Gateway's public URL, and the only authentication is the `X-API-KEY`
 * header (an apiKey scheme applied globally). Bearer (and other http-auth) schemes are removed,
 * along with every reference to them; operations that were public (`security: []`) stay public.
 * The input is not modified. A document that is not a JSON object → 502.
 */
export function rewriteOpenApiForGateway(doc: unknown, gatewayPublicUrl: string): JsonObject {
  if (!isObject(doc)) throw new BadGatewayError("The Core's OpenAPI document is not a JSON object");
  const out = structuredClone(doc);
  out.servers = [{ url: gatewayPublicUrl.replace(/\/+$/, "") }];

  const components = isObject(out.components) ? out.components : {};
  const schemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  const removed = new Set<string>();
  for (const [name, scheme] of Object.entries(schemes)) {
    if (!isGatewayKeyScheme(scheme)) {
      removed.add(name);
      delete schemes[name];
    }
  }
  const keyScheme = Object.keys(schemes)[0] ?? GATEWAY_SECURITY_SCHEME;
  schemes[keyScheme] = { type: "apiKey", in: "header", name: "X-API-KEY" };
  components.securitySchemes = schemes;
  out.components = components;

  const globalRequirement = [{ [keyScheme]: [] }];
  out.security = globalRequirement;
  const paths = isObject(out.paths) ? out.paths : {};
  for (const pathItem of Object.values(paths)) {
    if (!isObject(pathItem)) continue;
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!isObject(operation) || !Array.isArray(operation.security)) continue;
      // `security: []` marks a public operation (health): keep it; any other requirement
      // becomes the Gateway's key, which is all the Gateway accepts.
      if (operation.security.length === 0) continue;
      const kept = (operation.security as unknown[]).filter(
        (req) =>
          isObject(req) && Object.keys(req).length > 0 && Object.keys(req).every((n) => !removed.has(n)),
      ) as SecurityRequirement[];
      if (kept.length === 0) delete operation.security;
      else operation.security = kept;
    }
  }
  return out;
}

/** An apiKey scheme carried in the X-API-KEY header: the one scheme the Gateway accepts. */
function isGatewayKeyScheme(scheme: unknown): boolean {
  return (
    isObject(scheme) &&
    scheme.type === "apiKey" &&
    scheme.in === "header" &&
    typeof scheme.name === "string" &&
    scheme.name.toLowerCase() === "x-api-key"
  );
}
