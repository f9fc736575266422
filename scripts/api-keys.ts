#!/usr/bin/env -S npx tsx
/**
 * `make api-keys CMD=create|list|show|rotate|revoke|restore|purge [ID=...] [ENV=...]`: manage user
 * API keys through the Gateway's admin API, or with --store directly on its record store when the
 * Gateway is down (break glass). New keys are printed once; nothing else ever prints a secret.
 */
import { z } from "zod";
import { closestName } from "../app/common/config.js";
import { isKeyId } from "../app/gateway/keys/key-format.js";
import type { KeyView } from "../app/gateway/keys/key-view.js";
import { AUDIT_SETTINGS, openRunbookAudit, type AuditSettings } from "../runbooks/lib/audit.js";
import { createAwsClients } from "../runbooks/lib/aws.js";
import { RunbookError, runCli, type RunContext } from "../runbooks/lib/cli.js";
import { connectGatewayAdmin, GATEWAY_OPTIONS, GATEWAY_SETTINGS } from "../runbooks/lib/gateway-admin.js";
import {
  gatewayKeyAdmin,
  storeKeyAdmin,
  type IssuedKeyView,
  type KeyAdmin,
  type NewKey,
} from "../runbooks/lib/key-admin.js";
import { resolveSettings } from "../runbooks/lib/settings.js";
import { renderTable } from "../runbooks/lib/table.js";
import { runIfEntryPoint, type ScriptMain } from "../runbooks/lib/script-io.js";

const COMMANDS = ["create", "list", "show", "rotate", "revoke", "restore", "purge"] as const;
type Command = (typeof COMMANDS)[number];
const CHANGES: Command[] = ["create", "rotate", "revoke", "restore", "purge"];

const createSchema = z.object({
  label: z.string().max(100, "at most 100 characters").optional(),
  expiration_days: z.coerce.number().int("expected a whole number").min(1).max(3650).optional(),
  requests_per_minute: z.coerce.number().int("expected a whole number").min(1).max(1_000_000).optional(),
});

function showKey(ctx: RunContext, k: KeyView): void {
  const rows: Array<[string, string | number]> = [
    ["key id", k.key_id],
    ["label", k.label ?? ""],
    ["status", k.status],
    ["created", k.created_at],
    ["expires", k.expires_at],
    ["rotated", k.rotated_at ?? ""],
    ["revoked", k.revoked_at ?? ""],
    ["rate limit", `${k.rate_limit}/min`],
    ["last used", k.last_used ?? "never"],
    ["requests", k.total_requests],
    ["tunnel", k.tunnel ? `${k.tunnel.url} (since ${k.tunnel.registered_at})` : ""],
  ];
  ctx.out.info(renderTable(ctx.out, ["field", "value"], rows));
}

function showIssued(ctx: RunContext, issued: IssuedKeyView): void {
  const { out } = ctx;
  out.ok(`key ${issued.key_id}, expires ${issued.expires_at}`);
  if (issued.previous_key_valid_until !== undefined) {
    out.info(`The previous key works until ${issued.previous_key_valid_until ?? "now (no grace period)"}.`);
  }
  out.info(`\n${out.c.bold("API key (shown once, store it now):")}\n${issued.api_key}\n`);
}

async function keyAdminFor(ctx: RunContext): Promise<{ admin: KeyAdmin; settings: AuditSettings }> {
  const sources = { ...GATEWAY_SETTINGS, ...AUDIT_SETTINGS };
  if (ctx.options.store) {
    const settings = await resolveSettings(sources, {
      ...ctx,
      outputs: ctx.env === "dev" ? async () => ({}) : undefined,
    });
    return { admin: storeKeyAdmin(ctx.environment, { bucket: settings.bucket }), settings };
  }
  const settings = await resolveSettings(sources, ctx);
  return { admin: gatewayKeyAdmin(await connectGatewayAdmin(settings, ctx)), settings };
}

export const main: ScriptMain = (argv, io) =>
  runCli(
    {
      name: "api-keys",
      summary: "manage user API keys through the Gateway admin API (or --store when it is down)",
      usage: `<${COMMANDS.join("|")}> [--id ID]`,
      positionals: true,
      options: {
        id: {
          type: "string",
          arg: "<key id>",
          description: "the key's 12-character id (show, rotate, revoke, restore, purge)",
        },
        label: { type: "string", arg: "<text>", description: "create: a label for the key" },
        days: {
          type: "string",
          arg: "<n>",
          description: "create: days until it expires (Gateway default otherwise)",
        },
        rpm: {
          type: "string",
          arg: "<n>",
          description: "create: requests per minute (Gateway default otherwise)",
        },
        ...GATEWAY_OPTIONS,
        store: {
          type: "boolean",
          description: "break glass: work on the record store itself (STORE, DATA_DIR / S3_BUCKET)",
        },
        json: { type: "boolean", description: "list/show: print JSON instead of a table" },
      },
      examples: [
        "make api-keys CMD=list",
        "make api-keys CMD=create ARGS='--label ci-bot --days 90'",
        "make api-keys CMD=rotate ID=k3y1d4bcd3f9 ENV=prod",
        "npx tsx scripts/api-keys.ts revoke --id k3y1d4bcd3f9 --store --yes   # Gateway down",
      ],
    },
    async (ctx) => {
      const { out, options } = ctx;
      const command = ctx.positionals[0] as Command | undefined;
      const viaMake = ctx.environment.CQ_VIA_MAKE === "1";
      const commandList = `${COMMANDS.join(", ")}${viaMake ? " (make api-keys CMD=list)" : ""}`;
      if (!command) throw new RunbookError(`give a command: ${commandList}`);
      if (!COMMANDS.includes(command)) {
        const closest = closestName(
          command.toUpperCase(),
          COMMANDS.map((c) => c.toUpperCase()),
        )?.toLowerCase();
        throw new RunbookError(
          `unknown command "${command}"${closest ? ` (did you mean ${closest}?)` : ""}; the commands are ${commandList}`,
        );
      }
      if (ctx.positionals.length > 1)
        throw new RunbookError(
          `give one command, not ${ctx.positionals.length}: ${ctx.positionals.join(" ")}`,
        );
      const id = options.id === undefined ? undefined : String(options.id);
      if (command !== "create" && command !== "list") {
        if (!id) throw new RunbookError(`${command} needs --id <key id>`);
        if (!isKeyId(id))
          throw new RunbookError(
            `"${id.slice(0, 20)}" is not a key id (12 characters a-z 0-9); never pass the key itself`,
          );
      }
      const created = createSchema.safeParse({
        label: options.label,
        expiration_days: options.days,
        requests_per_minute: options.rpm,
      });
      if (!created.success)
        throw new RunbookError(
          `bad option: ${created.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );

      const { admin, settings } = await keyAdminFor(ctx);
      if (CHANGES.includes(command)) {
        const what = command === "create" ? "create a key" : `${command} key ${id}`;
        out.plan(
          `${what} via ${admin.via}${command === "purge" ? " (permanent: record, tunnel and usage deleted)" : ""}`,
        );
        if (ctx.dryRun) return out.info(out.c.dim("dry run: nothing changed"));
        if (!(await ctx.confirm(`${what[0]!.toUpperCase()}${what.slice(1)} in ${ctx.env}`)))
          throw new RunbookError("cancelled: nothing changed");
      }
      const audit = async (action: string, target: string) => {
        // Through the Gateway, the Gateway audits the operation itself.
        if (!options.store) return;
        const sink = await openRunbookAudit("api-keys", settings, createAwsClients(ctx.environment));
        await sink.record(action, target, { via: "store (break glass)" });
      };
      switch (command) {
        case "list": {
          const keys = await admin.list();
          if (options.json) return out.info(JSON.stringify(keys, null, 2));
          out.info(
            renderTable(
              out,
              ["key id", "label", "status", "expires", "rpm", "last used", "requests", "tunnel"],
              keys.map((k) => [
                k.key_id,
                k.label ?? "",
                k.status,
                k.expires_at.slice(0, 10),
                k.rate_limit,
                k.last_used ?? "never",
                k.total_requests,
                k.tunnel?.url ?? "",
              ]),
            ),
          );
          return out.info(`${keys.length} key(s) via ${admin.via}`);
        }
        case "show": {
          const key = await admin.show(id!);
          return options.json ? out.info(JSON.stringify(key, null, 2)) : showKey(ctx, key);
        }
        case "create": {
          const issued = await admin.create(created.data as NewKey);
          await audit("key.generate", issued.key_id);
          return showIssued(ctx, issued);
        }
        case "rotate": {
          const issued = await admin.rotate(id!);
          await audit("key.rotate", id!);
          return showIssued(ctx, issued);
        }
        case "revoke":
        case "restore": {
          const key = await admin[command](id!);
          await audit(`key.${command}`, id!);
          out.ok(`key ${id} is now ${key.status}`);
          break;
        }
        case "purge": {
          await admin.purge(id!);
          await audit("key.purge", id!);
          out.ok(`key ${id} purged`);
          break;
        }
      }
      if (options.store)
        out.warn("a running Gateway may serve its cached copy for KEY_CACHE_TTL_SECONDS (default 5 s)");
    },
    argv,
    io,
  );

await runIfEntryPoint(import.meta.url, main);
