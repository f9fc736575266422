import type { Context } from "koa";
import type { z } from "zod";
import { BadRequestError, ForbiddenError } from "../../common/errors.js";
import { readJsonBody } from "../../common/http.js";
import { ADMIN_KEY_ID, isKeyId, parseApiKey } from "../keys/key-format.js";
import type { VerifiedKey } from "../keys/key-service.js";

/** Reads a JSON body (empty → `{}`) and validates it; a 400 names every bad field. */
export async function readBody<S extends z.ZodType>(
  ctx: Context,
  schema: S,
  limitBytes: number,
): Promise<z.output<S>> {
  const raw = (await readJsonBody(ctx, limitBytes)) ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new BadRequestError("Request body must be a JSON object");
  return validate(schema, raw);
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
  );
  throw new BadRequestError(`Invalid request: ${problems.join("; ")}`);
}

/**
 * Resolves `{key|id|self}` in a path to a key id and checks the caller may act on it: a key
 * holder only on its own key, the admin on any. Authorisation comes before existence, so a key
 * holder learns nothing about other key ids.
 */
export function resolveKeyRef(ref: string, principal: VerifiedKey): string {
  let keyId: string;
  if (ref === "self") keyId = principal.keyId;
  else if (ref === ADMIN_KEY_ID || isKeyId(ref)) keyId = ref;
  else {
    const parsed = parseApiKey(ref);
    if (!parsed) throw new BadRequestError('Expected a key id, an API key or "self" in the path');
    keyId = parsed.keyId;
  }
  if (!principal.isAdmin && keyId !== principal.keyId)
    throw new ForbiddenError("An API key may only manage itself");
  return keyId;
}
