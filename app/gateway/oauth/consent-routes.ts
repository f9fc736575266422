import { createHmac } from "node:crypto";
import { Router } from "@koa/router";
import type { Context } from "koa";
import type Provider from "oidc-provider";
import { PayloadTooLargeError, UnauthorizedError } from "../../common/errors.js";
import { readRequestBytes, safeEqual } from "../../common/http.js";
import type { RecordAudit } from "../audit/audit-recorder.js";
import { matchesHash, type PepperRing } from "../keys/hashing.js";
import type { KeyService } from "../keys/key-service.js";
import type { AuthAttemptLimiter } from "../middleware/auth-attempts.js";
import { clientAddress } from "../middleware/client-address.js";
import { OAUTH_PREFIX } from "./authorization-server.js";
import { CONSENT_CSP, renderConsentPage, renderConsentProblem, type ConsentView } from "./consent-page.js";
import { accountIdOf, matchedFingerprint } from "./key-account.js";
import type { KeyGrants } from "./key-grants.js";

const MAX_FORM_BYTES = 4096;

export interface ConsentRoutesDeps {
  provider: Provider;
  issuer: string;
  /** the one resource grants are made for (getResourceServerInfo refuses any other) */
  resource: string;
  keys: KeyService;
  peppers: PepperRing;
  adminApiKey: () => string;
  failures: AuthAttemptLimiter;
  audit: RecordAudit;
  /** secret for the form's CSRF token (one of the authorization server's cookie keys) */
  csrfSecret: string;
  keyGrants: KeyGrants;
}

type Interaction = Awaited<ReturnType<Provider["interactionDetails"]>>;

/**
 * The page where a person approves or denies a client: GET shows the request, POST takes the
 * decision. Approving needs their CodeQuery API key (verified like any request's key, failures
 * counted per address and audited); the grant is then issued to that key (key-account.ts).
 * CSRF: the interaction cookie is SameSite=Lax and bound to this uid, the form carries an HMAC of
 * the uid, and a cross-origin Origin header is refused.
 */
export function consentRoutes(deps: ConsentRoutesDeps): Router {
  const router = new Router();
  const path = `${OAUTH_PREFIX}/consent/:uid`;
  const csrfTokenFor = (uid: string) =>
    createHmac("sha256", deps.csrfSecret).update(`consent:${uid}`).digest("base64url");

  router.get(path, async (ctx) => {
    const interaction = await interactionOf(ctx);
    if (!interaction) return;
    await showPage(ctx, interaction, 200);
  });

  router.post(path, async (ctx) => {
    const interaction = await interactionOf(ctx);
    if (!interaction) return;
    const form = await readForm(ctx);
    const origin = ctx.get("origin");
    if (
      (origin && origin !== new URL(deps.issuer).origin) ||
      !safeEqual(form.get("csrf") ?? "", csrfTokenFor(interaction.uid))
    ) {
      problem(ctx, 403, "The form did not come from this page. Reload the page and try again.");
      return;
    }
    const clientId = String(interaction.params.client_id);
    if (form.get("decision") !== "approve") {
      await deps.audit(ctx, {
        action: "oauth.deny",
        target: null,
        outcome: "success",
        detail: { client_id: clientId },
      });
      await finish(ctx, { error: "access_denied", error_description: "The key holder denied the request" });
      return;
    }
    // Reserved before the key is looked at and refunded on success, like every credential check;
    // here the reservation spans the key lookup (a person submits this form, not a client in a loop).
    const attempt = deps.failures.reserve(clientAddress(ctx));
    const apiKey = (form.get("api_key") ?? "").trim();
    const account = await verifyKey(ctx, apiKey, clientId).catch((err: unknown) => {
      attempt.succeeded(); // not a guess: the key could not be checked (the store failed)
      throw err;
    });
    if (account) attempt.succeeded();
    else await attempt.failed();
    if (!account) {
      await showPage(ctx, interaction, 401, "That API key was not accepted. Check it and try again.");
      return;
    }
    const grantId = await grantFor(interaction, account);
    await deps.keyGrants.remember(account.keyId, grantId);
    await deps.audit(ctx, {
      action: "oauth.authorize",
      target: account.keyId,
      outcome: "success",
      detail: { client_id: clientId, redirect_uri: String(interaction.params.redirect_uri) },
    });
    await finish(ctx, { login: { accountId: account.accountId }, consent: { grantId } });
  });

  async function interactionOf(ctx: Context): Promise<Interaction | null> {
    setPageHeaders(ctx);
    let interaction: Interaction;
    try {
      interaction = await deps.provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      problem(ctx, 400, "This authorization request has expired or was opened in another browser.");
      return null;
    }
    if (interaction.uid !== ctx.params.uid) {
      problem(ctx, 400, "This authorization request does not match this browser's.");
      return null;
    }
    return interaction;
  }

  async function showPage(ctx: Context, interaction: Interaction, status: number, error?: string) {
    const clientId = String(interaction.params.client_id);
    const client = await deps.provider.Client.find(clientId);
    const view: ConsentView = {
      uid: interaction.uid,
      csrfToken: csrfTokenFor(interaction.uid),
      clientName: client?.clientName ?? clientId,
      clientId,
      redirectUri: String(interaction.params.redirect_uri ?? ""),
      scopes: String(interaction.params.scope ?? "")
        .split(" ")
        .filter(Boolean),
      resource: String(interaction.params.resource ?? ""),
      error,
    };
    ctx.status = status;
    ctx.type = "text/html; charset=utf-8";
    ctx.body = renderConsentPage(view);
  }

  /** The key's id and the secret it used, or null (counted, audited) when it is not accepted. */
  async function verifyKey(ctx: Context, apiKey: string, clientId: string) {
    const refuse = async (reason: string, target: string | null) => {
      await deps.audit(ctx, {
        action: "auth.failure",
        actor: "anonymous",
        target,
        outcome: "failure",
        detail: { reason, method: ctx.method, via: "oauth.consent", client_id: clientId },
      });
      return null;
    };
    if (!apiKey) return refuse("missing", null);
    // The admin key has no Core of its own, so a token acting for it could reach nothing.
    if (safeEqual(apiKey, deps.adminApiKey())) return refuse("admin_key", "admin");
    try {
      const outcome = await deps.keys.verify(apiKey);
      if (!outcome.ok) return refuse("invalid", null);
      const verified = outcome.key;
      const record = await deps.keys.cachedRecord(verified.keyId);
      const fingerprint =
        record && matchedFingerprint(record, (stored) => matchesHash(apiKey, stored, deps.peppers));
      if (!fingerprint) return refuse("invalid", verified.keyId);
      ctx.state.principal = verified;
      const account = { keyId: verified.keyId, fingerprint };
      return { ...account, accountId: accountIdOf(account) };
    } catch (err) {
      if (err instanceof UnauthorizedError) return refuse("invalid", null);
      throw err;
    }
  }

  /**
   * A grant for exactly what the request asked: its scopes, on the resource it named (the prompt's
   * details cannot be used: the first interaction is the login prompt, which lists none).
   */
  async function grantFor(interaction: Interaction, account: { accountId: string }): Promise<string> {
    const grant = new deps.provider.Grant({
      accountId: account.accountId,
      clientId: String(interaction.params.client_id),
    });
    const scope = String(interaction.params.scope ?? "");
    if (scope) grant.addOIDCScope(scope);
    grant.addResourceScope(deps.resource, scope);
    return grant.save();
  }

  async function finish(ctx: Context, result: Record<string, unknown>) {
    // oidc-provider writes the redirect back to its authorization endpoint itself.
    ctx.respond = false;
    await deps.provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  }

  return router;
}

function setPageHeaders(ctx: Context): void {
  ctx.set("Content-Security-Policy", CONSENT_CSP);
  ctx.set("X-Frame-Options", "DENY");
  // Not "no-referrer": Chromium then sends `Origin: null` with the form, and the origin check needs it.
  ctx.set("Referrer-Policy", "same-origin");
  ctx.set("X-Content-Type-Options", "nosniff");
  ctx.set("Cache-Control", "no-store");
}

function problem(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  ctx.type = "text/html; charset=utf-8";
  ctx.body = renderConsentProblem(message);
}

async function readForm(ctx: Context): Promise<URLSearchParams> {
  const tooLarge = () => new PayloadTooLargeError(`The form is larger than ${MAX_FORM_BYTES} bytes`);
  if (!ctx.is("application/x-www-form-urlencoded")) return new URLSearchParams();
  const body = await readRequestBytes(ctx.req, MAX_FORM_BYTES, tooLarge);
  return new URLSearchParams(body.toString("utf8"));
}
