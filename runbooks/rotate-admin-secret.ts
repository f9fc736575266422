#!/usr/bin/env -S npx tsx
/**
 * Rotates the Gateway's admin key and/or key pepper: writes a new version of the GatewaySecret
 * in Secrets Manager, keeping every old pepper so existing user keys (whose records name the
 * pepper that hashed them) keep verifying, then waits until the running Gateway accepts the new
 * admin key. See rotate-admin-secret.md.
 */
import { randomBytes, randomUUID } from "node:crypto";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { parseGatewaySecret } from "../app/gateway/secrets/gateway-secret-schema.js";
import type { GatewaySecret } from "../app/gateway/store/types.js";
import { AUDIT_SETTINGS, openRunbookAudit } from "./lib/audit.js";
import { createAwsClients } from "./lib/aws.js";
import { RunbookError, runCli } from "./lib/cli.js";
import { GATEWAY_OPTIONS, GATEWAY_SETTINGS, GatewayAdminClient } from "./lib/gateway-admin.js";
import { pollUntil } from "./lib/poll.js";
import { requireSetting, resolveSettings } from "./lib/settings.js";
import { runIfEntryPoint, type ScriptMain } from "./lib/script-io.js";

const NAME = "rotate-admin-secret";
const PEPPER_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const newSecretValue = () => randomBytes(32).toString("base64url");

async function readCurrent(secrets: SecretsManagerClient, secretId: string) {
  const value = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  // LastChangedDate: the last write of any version (a rotation, or an edit by hand).
  const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  return {
    secret: parseGatewaySecret(secretId, value.SecretString),
    versionId: value.VersionId ?? "unknown",
    changedAt: described.LastChangedDate ?? value.CreatedDate,
  };
}

/** The next secret: a new admin key and/or a new current pepper; old peppers always kept. */
function nextGatewaySecret(
  current: GatewaySecret,
  change: { admin: boolean; pepperId?: string },
): GatewaySecret {
  const next: GatewaySecret = { ...current, peppers: { ...current.peppers } };
  if (change.admin) next.admin_api_key = newSecretValue();
  if (change.pepperId) {
    next.peppers[change.pepperId] = newSecretValue();
    next.current_pepper = change.pepperId;
  }
  return next;
}

export const main: ScriptMain = (argv, io) =>
  runCli(
    {
      name: NAME,
      summary: "new admin key and/or key pepper in Secrets Manager, without breaking existing user keys",
      usage: "[--admin] [--pepper]",
      options: {
        admin: { type: "boolean", description: "generate a new admin key" },
        pepper: {
          type: "boolean",
          description: "generate a new current pepper (old peppers stay for existing keys)",
        },
        "pepper-id": {
          type: "string",
          arg: "<id>",
          description: "id of the new pepper (default: p<UTC timestamp>)",
        },
        "secret-id": {
          ...GATEWAY_OPTIONS["secret-id"],
          description: "the secret to rotate (else ADMIN_SECRET_ID, else stack output secretArn)",
        },
        url: GATEWAY_OPTIONS.url,
        "wait-seconds": {
          type: "string",
          arg: "<s>",
          description: "how long to wait for the Gateway to pick up the new secret (it re-reads every 5 min)",
          default: "420",
        },
        "min-interval-hours": {
          type: "string",
          arg: "<hours>",
          description: "skip if the secret changed more recently",
          default: "1",
        },
        force: { type: "boolean", description: "rotate even if the secret changed recently" },
      },
      examples: [
        "./runbooks/rotate-admin-secret.ts --env prod --admin --dry-run",
        "make rotate-admin-secret ENV=prod ARGS='--admin --pepper'",
      ],
    },
    async (ctx) => {
      const { out, options } = ctx;
      const admin = options.admin === true;
      const pepper = options.pepper === true;
      if (!admin && !pepper) throw new RunbookError("say what to rotate: --admin, --pepper, or both");
      const pepperId = pepper
        ? String(options["pepper-id"] ?? `p${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}`)
        : undefined;
      if (pepperId !== undefined && !PEPPER_ID.test(pepperId))
        throw new RunbookError("--pepper-id uses A-Z a-z 0-9 . _ - (1-64 characters)");
      const waitSeconds = Number(options["wait-seconds"]);
      const minHours = Number(options["min-interval-hours"]);
      if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 3600)
        throw new RunbookError("--wait-seconds must be 0..3600");
      if (!Number.isFinite(minHours) || minHours < 0)
        throw new RunbookError("--min-interval-hours must be a number of hours >= 0");

      const settings = await resolveSettings({ ...GATEWAY_SETTINGS, ...AUDIT_SETTINGS }, ctx);
      const secretId = requireSetting(
        settings.adminSecretId,
        "the admin secret",
        GATEWAY_SETTINGS.adminSecretId,
      );
      const clients = createAwsClients(ctx.environment);
      const current = await out.progress(`reading ${secretId}`, () => readCurrent(clients.secrets, secretId));
      if (pepperId !== undefined && Object.hasOwn(current.secret.peppers, pepperId)) {
        throw new RunbookError(`pepper id "${pepperId}" already exists: choose a new --pepper-id`);
      }
      out.info(
        `${out.c.bold("Secret")} ${secretId} (${ctx.env}): version ${current.versionId}, peppers ` +
          `${Object.keys(current.secret.peppers).join(", ")} (current ${current.secret.current_pepper}), ` +
          `last changed ${current.changedAt?.toISOString() ?? "unknown"}`,
      );
      const recent =
        current.changedAt !== undefined && Date.now() - current.changedAt.getTime() < minHours * 3_600_000;
      const rotate = !recent || options.force === true;
      if (!rotate)
        out.plan(
          `the secret changed less than ${minHours} h ago: no new version (--force rotates); checking the Gateway only`,
        );
      if (rotate && admin)
        out.plan("new admin key (the old one stops working once the Gateway re-reads the secret)");
      if (rotate && pepperId)
        out.plan(
          `new pepper "${pepperId}" for new keys; kept for existing keys: ${Object.keys(current.secret.peppers).join(", ")}`,
        );
      if (ctx.dryRun) {
        out.info(out.c.dim("dry run: nothing changed"));
        return;
      }

      let next = current.secret;
      if (rotate) {
        if (!(await ctx.confirm(`Write a new version of ${secretId} in ${ctx.env}`)))
          throw new RunbookError("cancelled: nothing changed");
        next = nextGatewaySecret(current.secret, { admin, pepperId });
        const put = await clients.secrets.send(
          new PutSecretValueCommand({
            SecretId: secretId,
            SecretString: JSON.stringify(next),
            ClientRequestToken: randomUUID(),
          }),
        );
        const audit = await openRunbookAudit(NAME, settings, clients);
        await audit.record("secret.rotate", admin ? "admin" : null, {
          secret_version: put.VersionId ?? null,
          previous_version: current.versionId,
          admin_key_rotated: admin,
          new_pepper_id: pepperId ?? null,
        });
        out.ok(
          `wrote version ${put.VersionId} (previous: ${current.versionId}, kept as AWSPREVIOUS for rollback)`,
        );
      }

      if (!settings.gatewayUrl) {
        out.warn("no Gateway URL (--url, GATEWAY_URL, stack output gatewayUrl): skipped the live check");
        return;
      }
      const gateway = new GatewayAdminClient(settings.gatewayUrl.replace(/\/$/, ""), next.admin_api_key);
      const accepted = await out.progress(
        `waiting for ${settings.gatewayUrl} to accept the new admin key`,
        () =>
          pollUntil(
            async () => (await gateway.send("GET", "/api-keys")).status,
            (status) => status === 200,
            { timeoutMs: waitSeconds * 1000, initialDelayMs: 500, maxDelayMs: 10_000 },
          ),
      );
      if (!accepted.ok) {
        throw new RunbookError(
          `the Gateway still answers ${accepted.value} with the new admin key after ${waitSeconds} s: ` +
            "restart it to re-read the secret, then re-run this runbook (it will only check)",
        );
      }
      out.ok("the Gateway accepts the new admin key");
      if (admin)
        out.info(
          `Fetch it from Secrets Manager when needed: aws secretsmanager get-secret-value --secret-id ${secretId}`,
        );
    },
    argv,
    io,
  );

await runIfEntryPoint(import.meta.url, main);
