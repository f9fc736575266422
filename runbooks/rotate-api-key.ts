#!/usr/bin/env -S npx tsx
/**
 * Rotates one user API key through the Gateway's admin API: a new key is issued and printed once;
 * the old one keeps working for the grace period (ROTATION_GRACE_HOURS). See rotate-api-key.md.
 */
import { isKeyId } from "../app/gateway/keys/key-format.js";
import type { KeyView } from "../app/gateway/keys/key-view.js";
import { AUDIT_SETTINGS, openRunbookAudit } from "./lib/audit.js";
import { createAwsClients } from "./lib/aws.js";
import { RunbookError, runCli } from "./lib/cli.js";
import { GATEWAY_OPTIONS, GATEWAY_SETTINGS, connectGatewayAdmin } from "./lib/gateway-admin.js";
import { resolveSettings } from "./lib/settings.js";
import { runIfEntryPoint, type ScriptMain } from "./lib/script-io.js";

const NAME = "rotate-api-key";

interface RotateReply {
  api_key: string;
  key_id: string;
  expires_at: string;
  previous_key_valid_until: string | null;
}

export const main: ScriptMain = (argv, io) =>
  runCli(
    {
      name: NAME,
      summary: "rotate one user API key (new key printed once; the old one works for the grace period)",
      usage: "--id <key id>",
      options: {
        id: { type: "string", arg: "<key id>", description: "the 12-character key id (not the key itself)" },
        ...GATEWAY_OPTIONS,
        "min-interval-hours": {
          type: "string",
          arg: "<hours>",
          description: "skip a key rotated more recently than this (safe re-runs)",
          default: "1",
        },
        force: { type: "boolean", description: "rotate even if the key was rotated recently" },
      },
      examples: [
        "./runbooks/rotate-api-key.ts --env prod --id k3y1d4bcd3f9 --dry-run",
        "make rotate-api-key ENV=prod ID=k3y1d4bcd3f9",
      ],
    },
    async (ctx) => {
      const { out, options } = ctx;
      const id = String(options.id ?? "");
      if (!id) throw new RunbookError("give --id <key id>");
      if (id === "admin")
        throw new RunbookError("the admin key is rotated with the rotate-admin-secret runbook");
      if (!isKeyId(id))
        throw new RunbookError(
          `"${id.slice(0, 20)}" is not a key id (12 characters a-z 0-9); never pass the key itself`,
        );
      const minHours = Number(options["min-interval-hours"]);
      if (!Number.isFinite(minHours) || minHours < 0)
        throw new RunbookError("--min-interval-hours must be a number of hours >= 0");

      const settings = await resolveSettings({ ...GATEWAY_SETTINGS, ...AUDIT_SETTINGS }, ctx);
      const clients = createAwsClients(ctx.environment);
      const gateway = await connectGatewayAdmin(settings, ctx);

      const key = await out.progress(`reading key ${id}`, () =>
        gateway.request<KeyView>("GET", `/api-keys/${id}`),
      );
      out.info(
        `${out.c.bold("Key")} ${key.key_id}${key.label ? ` (${key.label})` : ""}: ${key.status}, expires ${key.expires_at}, ` +
          `last rotated ${key.rotated_at ?? "never"}`,
      );
      if (key.status === "revoked")
        throw new RunbookError(`key ${id} is revoked: restore it first (make api-keys CMD=restore ID=${id})`);
      const recent =
        key.rotated_at !== null && Date.now() - Date.parse(key.rotated_at) < minHours * 3_600_000;
      if (recent && !options.force) {
        out.ok(
          `key ${id} was rotated at ${key.rotated_at}, less than ${minHours} h ago: nothing to do (--force rotates again)`,
        );
        return;
      }
      out.plan(
        `issue a new key for ${id} on ${gateway.baseUrl}; the current key keeps working for the grace period`,
      );
      if (ctx.dryRun) {
        out.info(out.c.dim("dry run: nothing changed"));
        return;
      }
      if (!(await ctx.confirm(`Rotate key ${id} in ${ctx.env}`)))
        throw new RunbookError("cancelled: nothing changed");
      const rotated = await gateway.request<RotateReply>("POST", `/api-keys/${id}/rotate`);
      const audit = await openRunbookAudit(NAME, settings, clients);
      await audit.record("key.rotate", id, {
        via: "gateway admin API",
        previous_key_valid_until: rotated.previous_key_valid_until,
      });
      out.ok(
        `rotated ${id}; the previous key works until ${rotated.previous_key_valid_until ?? "now (no grace period)"}`,
      );
      out.info(`\n${out.c.bold("New API key (shown once, store it now):")}\n${rotated.api_key}\n`);
    },
    argv,
    io,
  );

await runIfEntryPoint(import.meta.url, main);
