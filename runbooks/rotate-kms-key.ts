#!/usr/bin/env -S npx tsx
/**
 * Rotates the key material of the environment's KMS key now (RotateKeyOnDemand), makes sure
 * automatic rotation is on with the expected period, and verifies both. See rotate-kms-key.md.
 */
import {
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  type KMSClient,
  type RotationsListEntry,
} from "@aws-sdk/client-kms";
import { z } from "zod";
import { RunbookError, runCli } from "./lib/cli.js";
import { createAwsClients } from "./lib/aws.js";
import { openRunbookAudit, AUDIT_SETTINGS } from "./lib/audit.js";
import { requireSetting, resolveSettings } from "./lib/settings.js";
import { pollUntil } from "./lib/poll.js";
import { runIfEntryPoint, type ScriptMain } from "./lib/script-io.js";

const NAME = "rotate-kms-key";
const KEY_SOURCE = { flag: "key-id", env: ["KMS_KEY_ID"], output: "kmsKeyArn" };

const numbers = z.object({
  period: z.coerce.number().int().min(90).max(2560),
  minHours: z.coerce
    .number()
    .min(0)
    .max(24 * 365),
  waitSeconds: z.coerce.number().int().min(0).max(3600),
});

interface KeyRotationState {
  enabled: boolean;
  periodDays: number | undefined;
  onDemandInProgress: boolean;
  rotations: RotationsListEntry[];
}

async function readRotationState(kms: KMSClient, keyId: string): Promise<KeyRotationState> {
  const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
  const rotations: RotationsListEntry[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 20; page++) {
    const res = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId, Marker: marker }));
    rotations.push(...(res.Rotations ?? []));
    if (!res.Truncated || !res.NextMarker) break;
    marker = res.NextMarker;
  }
  return {
    enabled: status.KeyRotationEnabled === true,
    periodDays: status.RotationPeriodInDays,
    onDemandInProgress: status.OnDemandRotationStartDate !== undefined,
    rotations,
  };
}

const lastOnDemand = (rotations: RotationsListEntry[]) =>
  rotations
    .filter((r) => r.RotationType === "ON_DEMAND" && r.RotationDate)
    .map((r) => r.RotationDate!.getTime())
    .sort((a, b) => b - a)[0];

export const main: ScriptMain = (argv, io) =>
  runCli(
    {
      name: NAME,
      summary: "rotate the KMS key material now and verify automatic rotation (status and period)",
      options: {
        "key-id": {
          type: "string",
          arg: "<id|arn>",
          description: "KMS key (else KMS_KEY_ID, else stack output kmsKeyArn)",
        },
        "period-days": {
          type: "string",
          arg: "<days>",
          description: "expected automatic rotation period",
          default: "365",
        },
        "min-interval-hours": {
          type: "string",
          arg: "<hours>",
          description: "skip when an on-demand rotation is younger than this (idempotence)",
          default: "24",
        },
        force: { type: "boolean", description: "rotate even if a recent on-demand rotation exists" },
        "wait-seconds": {
          type: "string",
          arg: "<s>",
          description: "how long to wait for the rotation to show up",
          default: "300",
        },
      },
      examples: ["./runbooks/rotate-kms-key.ts --env staging --dry-run", "make rotate-kms-key ENV=prod"],
    },
    async (ctx) => {
      const { out, options } = ctx;
      const n = numbers.safeParse({
        period: options["period-days"],
        minHours: options["min-interval-hours"],
        waitSeconds: options["wait-seconds"],
      });
      if (!n.success)
        throw new RunbookError(
          `bad option: ${n.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
        );
      const settings = await resolveSettings({ keyId: KEY_SOURCE, ...AUDIT_SETTINGS }, ctx);
      const keyId = requireSetting(settings.keyId, "the KMS key", KEY_SOURCE);
      const { kms, s3 } = createAwsClients(ctx.environment);

      const before = await out.progress(`reading rotation state of ${keyId}`, () =>
        readRotationState(kms, keyId),
      );
      const last = lastOnDemand(before.rotations);
      const recent = last !== undefined && Date.now() - last < n.data.minHours * 3_600_000;
      const needsEnable =
        !before.enabled || (before.periodDays !== undefined && before.periodDays !== n.data.period);
      const needsRotate = !before.onDemandInProgress && (!recent || options.force === true);

      out.info(`${out.c.bold("KMS key")} ${keyId} (${ctx.env})`);
      out.info(
        `  automatic rotation: ${before.enabled ? "on" : "off"}, period ${before.periodDays ?? "not reported"}` +
          `${before.periodDays === undefined ? "" : " days"}; rotations so far: ${before.rotations.length}` +
          (last ? `; last on-demand ${new Date(last).toISOString()}` : ""),
      );
      if (needsEnable) out.plan(`enable automatic rotation every ${n.data.period} days`);
      if (needsRotate)
        out.plan("rotate the key material now (RotateKeyOnDemand); old material still decrypts");
      else if (before.onDemandInProgress)
        out.plan("an on-demand rotation is already in progress: wait for it");
      else
        out.plan(
          `last on-demand rotation is younger than ${n.data.minHours} h: nothing to rotate (--force rotates anyway)`,
        );
      if (ctx.dryRun) {
        out.info(out.c.dim("dry run: nothing changed"));
        return;
      }
      if ((needsEnable || needsRotate) && !(await ctx.confirm(`Apply to ${keyId} in ${ctx.env}`))) {
        throw new RunbookError("cancelled: nothing changed");
      }
      const gatewayAudit = await openRunbookAudit(NAME, settings, { s3 });
      // Key administrators may not use the key for data, so S3 refuses them an encrypted audit record:
      // CloudTrail holds the KMS call with the caller; say so instead of failing after the change.
      const audit = {
        async record(action: string, target: string, detail: Record<string, unknown>) {
          try {
            await gatewayAudit.record(action, target, detail);
          } catch (error) {
            if ((error as { name?: string }).name !== "AccessDenied") throw error;
            out.warn(
              `${action} not written to ${gatewayAudit.where}: this role may not use the key for data; CloudTrail records the KMS call`,
            );
          }
        },
      };
      if (needsEnable) {
        await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: n.data.period }));
        await audit.record("kms.enable_rotation", keyId, { period_days: n.data.period });
        out.ok(`automatic rotation enabled (${n.data.period} days)`);
      }
      if (needsRotate) {
        await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
        await audit.record("kms.rotate", keyId, { type: "ON_DEMAND" });
        out.ok("on-demand rotation started");
      }

      // On-demand rotation is asynchronous in AWS: the new material appears in ListKeyRotations later.
      const after = await out.progress("verifying rotation", () =>
        pollUntil(
          () => readRotationState(kms, keyId),
          (s) =>
            s.enabled &&
            !s.onDemandInProgress &&
            (!needsRotate || s.rotations.length > before.rotations.length),
          { timeoutMs: n.data.waitSeconds * 1000 },
        ),
      );
      if (!after.value.enabled) throw new RunbookError("automatic rotation is still off after enabling it");
      if (!after.ok)
        throw new RunbookError(
          `the new rotation did not show in ListKeyRotations within ${n.data.waitSeconds} s`,
        );
      if (after.value.periodDays !== undefined && after.value.periodDays !== n.data.period) {
        throw new RunbookError(
          `rotation period is ${after.value.periodDays} days, expected ${n.data.period}`,
        );
      }
      if (after.value.periodDays === undefined)
        out.warn("the service did not report the rotation period (emulator?)");
      const newest = lastOnDemand(after.value.rotations);
      out.ok(
        `verified: automatic rotation on, ${after.value.rotations.length} rotation(s)` +
          (newest ? `, newest on-demand ${new Date(newest).toISOString()}` : ""),
      );
    },
    argv,
    io,
  );

await runIfEntryPoint(import.meta.url, main);
