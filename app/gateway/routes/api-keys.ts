import { Router } from "@koa/router";
import type { Context, Middleware } from "koa";
import { z } from "zod";
import { AppError, ForbiddenError } from "../../common/errors.js";
import type { GatewayConfig } from "../config.js";
import type { RecordAudit } from "../audit/audit-recorder.js";
import { ADMIN_KEY_ID, isKeyId, parseApiKey } from "../keys/key-format.js";
import type { KeyService, NewKeyOptions } from "../keys/key-service.js";
import { toKeyView, type KeyView } from "../keys/key-view.js";
import type { UsageTracker } from "../keys/usage.js";
import { principalOf, requireAdmin } from "../middleware/authenticate.js";
import type { TunnelRegistry } from "../registry/tunnel-registry.js";
import { readBody, resolveKeyRef } from "./request-input.js";

export interface ApiKeyRoutesDeps {
  config: GatewayConfig;
  keys: KeyService;
  usage: UsageTracker;
  tunnels: TunnelRegistry;
  audit: RecordAudit;
  /** authenticated + rate limited */
  authenticated: Middleware[];
  /** lets the admin through, or anyone (per-IP limited) when PUBLIC_KEY_GENERATION=true */
  generateGuard: Middleware[];
}

const ONCE = "Store this API key now: it is shown only once and cannot be recovered.";

/** Wires the key lifecycle routes; the work happens in KeyService. */
export function apiKeyRoutes(deps: ApiKeyRoutesDeps): Router {
  const { config, keys, audit } = deps;
  const router = new Router();
  const generateBody = z.strictObject({
    expiration_days: wholeNumber(1, config.maxExpirationDays).optional(),
    requests_per_minute: wholeNumber(1, config.maxRpm).optional(),
    label: z
      .string({ error: "expected a string" })
      .trim()
      .max(100, "at most 100 characters")
      .regex(/^[^\p{Cc}]*$/u, "control characters are not allowed")
      .nullable()
      .optional(),
  });

  async function view(keyId: string): Promise<KeyView> {
    const record = await keys.get(keyId);
    const [usage, tunnel] = await Promise.all([deps.usage.read(keyId), deps.tunnels.describe(keyId)]);
    return toKeyView(record, keys.status(record), usage, tunnel);
  }

  router.post("/api-keys/generate", ...deps.generateGuard, async (ctx) => {
    const body = await readBody(ctx, generateBody, config.maxJsonBodyBytes);
    const options: NewKeyOptions = {
      label: body.label || null,
      expirationDays: body.expiration_days,
      requestsPerMinute: body.requests_per_minute,
    };
    if (!ctx.state.principal?.isAdmin) refuseAboveDefaults(options, config);
    const { apiKey, record } = await keys.generate(options);
    await audit(ctx, {
      action: "key.generate",
      target: record.key_id,
      outcome: "success",
      detail: { rate_limit: record.rate_limit, expires_at: record.expires_at },
    });
    ctx.body = {
      api_key: apiKey,
      key_id: record.key_id,
      expires_at: record.expires_at,
      rate_limit: record.rate_limit,
      label: record.label,
      message: ONCE,
    };
  });

  router.get("/api-keys", ...deps.authenticated, requireAdmin(), async (ctx) => {
    const [records, usage, tunnels] = await Promise.all([
      keys.list(),
      deps.usage.readAll(),
      deps.tunnels.describeAll(),
    ]);
    ctx.body = {
      keys: records.map((r) => toKeyView(r, keys.status(r), usage.get(r.key_id), tunnels.get(r.key_id))),
    };
  });

  router.get("/api-keys/:ref", ...deps.authenticated, async (ctx) => {
    const keyId = resolveKeyRef(ctx.params.ref!, principalOf(ctx));
    if (keyId === ADMIN_KEY_ID) {
      ctx.body = { key_id: ADMIN_KEY_ID, is_admin: true };
      return;
    }
    ctx.body = await view(keyId);
  });

  router.post("/api-keys/:ref/rotate", ...deps.authenticated, async (ctx) => {
    const { keyId, result } = await audited(ctx, "key.rotate", "rotated", (id) => keys.rotate(id));
    const { apiKey, record } = result;
    const graceUntil = record.previous_secrets.at(-1)?.valid_until ?? null;
    ctx.body = {
      api_key: apiKey,
      key_id: keyId,
      expires_at: record.expires_at,
      rate_limit: record.rate_limit,
      previous_key_valid_until: graceUntil,
      message: `${ONCE} The previous key keeps working until ${graceUntil}.`,
    };
  });

  router.post("/api-keys/:ref/revoke", ...deps.authenticated, async (ctx) => {
    const { keyId } = await audited(ctx, "key.revoke", "revoked", (id) => keys.revoke(id));
    ctx.body = {
      ...(await view(keyId)),
      message: `API key ${keyId} revoked; the admin can restore it within ${config.revokedRetentionDays} days.`,
    };
  });

  router.post("/api-keys/:ref/restore", ...deps.authenticated, requireAdmin(), async (ctx) => {
    const { keyId } = await audited(ctx, "key.restore", "restored", (id) => keys.restore(id));
    ctx.body = { ...(await view(keyId)), message: `API key ${keyId} restored.` };
  });

  router.delete("/api-keys/:ref", ...deps.authenticated, async (ctx) => {
    const { keyId } = await audited(ctx, "key.purge", "purged", (id) => keys.purge(id));
    ctx.body = {
      key_id: keyId,
      message: `API key ${keyId} and its tunnel registration are deleted for good.`,
    };
  });

  /**
   * Resolves the key in the path (the admin key itself is managed by runbooks, never here),
   * runs the operation and audits its outcome, refused or done.
   */
  async function audited<T>(
    ctx: Context,
    action: string,
    what: string,
    run: (keyId: string) => Promise<T>,
  ): Promise<{ keyId: string; result: T }> {
    const ref = ctx.params.ref!;
    let keyId: string | null =
      ref === "self" ? principalOf(ctx).keyId : (parseApiKey(ref)?.keyId ?? (isKeyId(ref) ? ref : null));
    try {
      keyId = resolveKeyRef(ref, principalOf(ctx));
      if (keyId === ADMIN_KEY_ID) throw new ForbiddenError(`The admin key cannot be ${what}`);
      const result = await run(keyId);
      await audit(ctx, { action, target: keyId, outcome: "success" });
      return { keyId, result };
    } catch (err) {
      await audit(ctx, {
        action,
        target: keyId,
        outcome: "failure",
        detail: { reason: err instanceof AppError ? err.message : "internal error" },
      });
      throw err;
    }
  }

  return router;
}

function wholeNumber(min: number, max: number) {
  const range = `expected a whole number from ${min} to ${max}`;
  return z.number({ error: range }).int(range).min(min, range).max(max, range);
}

function refuseAboveDefaults(options: NewKeyOptions, config: GatewayConfig): void {
  if (
    (options.expirationDays ?? 0) > config.defaultExpirationDays ||
    (options.requestsPerMinute ?? 0) > config.defaultRpm
  ) {
    throw new ForbiddenError(
      `Without the admin key, expiration_days may be at most ${config.defaultExpirationDays} and requests_per_minute at most ${config.defaultRpm}`,
    );
  }
}
