import { Router } from "@koa/router";
import type { Middleware } from "koa";
import { z } from "zod";
import { AppError, ForbiddenError, NotFoundError, UnauthorizedError } from "../../common/errors.js";
import { safeEqual } from "../../common/http.js";
import type { RecordAudit } from "../audit/audit-recorder.js";
import type { KeyService } from "../keys/key-service.js";
import { presentedKey, principalOf } from "../middleware/authenticate.js";
import type { TunnelRegistry } from "../registry/tunnel-registry.js";
import { readBody, resolveKeyRef } from "./request-input.js";

/** Checks a Core URL (scheme, allowed host, resolved addresses); returns it normalised or throws 400. */
export type TunnelUrlValidator = (url: string) => Promise<string>;

export interface NgrokUrlRoutesDeps {
  tunnels: TunnelRegistry;
  keys: Pick<KeyService, "exists">;
  validateTunnelUrl: TunnelUrlValidator;
  audit: RecordAudit;
  authenticated: Middleware[];
  maxJsonBodyBytes: number;
}

const registrationBody = z.object({
  ngrok_url: z
    .string({ error: "expected a URL string" })
    .min(1, "is required")
    .max(2048, "at most 2048 characters"),
  // The token travels in an Authorization header: visible ASCII only, and long enough to be unguessable.
  core_token: z
    .string({ error: "expected a string (the Core's bearer token)" })
    .min(22, "must be at least 22 characters")
    .max(512, "at most 512 characters")
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"),
  api_key: z.string({ error: "expected a string" }).optional(),
});

/** Core registration (`POST /ngrok-urls/`) and lookup (`GET /ngrok-urls/{key|id|self}`). */
export function ngrokUrlRoutes(deps: NgrokUrlRoutesDeps): Router {
  const router = new Router();

  router.post(["/ngrok-urls/", "/ngrok-urls"], ...deps.authenticated, async (ctx) => {
    const principal = principalOf(ctx);
    try {
      const body = await readBody(ctx, registrationBody, deps.maxJsonBodyBytes);
      if (body.api_key !== undefined && !safeEqual(body.api_key, presentedKey(ctx) ?? "")) {
        throw new ForbiddenError("api_key in the body must be the key the request authenticates with");
      }
      if (principal.isAdmin)
        throw new ForbiddenError("A Core registers with a user API key, not the admin key");
      const url = await deps.validateTunnelUrl(body.ngrok_url);
      const record = await deps.tunnels.register(principal.keyId, url, body.core_token);
      // A purge may have run since the key was verified: if the key is gone, so is this record.
      if (!(await deps.keys.exists(principal.keyId))) {
        await deps.tunnels.remove(principal.keyId);
        throw new UnauthorizedError("Invalid API Key");
      }
      await deps.audit(ctx, {
        action: "tunnel.register",
        target: principal.keyId,
        outcome: "success",
        detail: { url },
      });
      ctx.body = {
        message: "Core registered",
        key_id: record.key_id,
        ngrok_url: record.url,
        registered_at: record.registered_at,
      };
    } catch (err) {
      const reason = err instanceof AppError ? err.message : "internal error";
      await deps.audit(ctx, {
        action: "tunnel.register",
        target: principal.keyId,
        outcome: "failure",
        detail: { reason },
      });
      throw err;
    }
  });

  router.get("/ngrok-urls/:ref", ...deps.authenticated, async (ctx) => {
    const keyId = resolveKeyRef(ctx.params.ref!, principalOf(ctx));
    const tunnel = await deps.tunnels.describe(keyId);
    if (!tunnel) throw new NotFoundError(`No Core is registered for key ${keyId}`);
    ctx.body = { key_id: keyId, ngrok_url: tunnel.url, registered_at: tunnel.registered_at };
  });

  return router;
}
