#!/usr/bin/env -S npx tsx
/**
 * Disaster recovery for the Gateway's state in S3: brings keys/, tunnels/, usage/ (and any other
 * state prefix) back to a point in time from object versions, or from the backup bucket. Applying
 * writes new versions and delete markers only: history is never deleted. See restore.md.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { AUDIT_SETTINGS, openRunbookAudit } from "./lib/audit.js";
import { awsClientOptions, createAwsClients } from "./lib/aws.js";
import { RunbookError, runCli } from "./lib/cli.js";
import {
  applyRestore,
  planRestore,
  type PlannedObject,
  type RestoreSource,
  type RestoreTarget,
} from "./lib/restore-plan.js";
import { verifyRestore } from "./lib/restore-verify.js";
import { requireSetting, resolveSettings } from "./lib/settings.js";
import { renderTable } from "./lib/table.js";
import { runIfEntryPoint, type ScriptMain } from "./lib/script-io.js";

const NAME = "restore";
const DEFAULT_PREFIXES = "keys,tunnels,usage";
const SOURCES = {
  bucket: { flag: "bucket", env: ["S3_BUCKET"], output: "stateBucketName" },
  root: { flag: "s3-prefix", env: ["S3_PREFIX"] },
  kmsKeyId: { flag: "kms-key-id", env: ["KMS_KEY_ID"], output: "kmsKeyArn" },
  backupBucket: { flag: "backup-bucket", env: ["BACKUP_BUCKET"], output: "backupBucketName" },
  backupRegion: { flag: "backup-region", env: ["BACKUP_REGION"], output: "backupRegion" },
  backupRoot: { flag: "backup-prefix", env: ["BACKUP_PREFIX"] },
};

const normaliseRoot = (p: string | undefined) => (!p ? "" : p.endsWith("/") ? p : `${p}/`);

const atSchema = z.iso.datetime({
  offset: true,
  error: "--at must be an ISO time such as 2026-11-25T14:00:00Z",
});
const prefixSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "state prefixes are names such as keys, tunnels, usage")
  .refine((p) => p !== "audit", "audit/ is append-only history and is never restored");

function summarise(plan: PlannedObject[]): Record<"restored" | "removed" | "unchanged", number> {
  const counts = { restored: 0, removed: 0, unchanged: 0 };
  for (const p of plan) if (p.action !== "unchanged" || p.current) counts[p.action]++;
  return counts;
}

export const main: ScriptMain = (argv, io) =>
  runCli(
    {
      name: NAME,
      summary: "point-in-time restore of the Gateway state in S3 (from object versions or the backup bucket)",
      options: {
        at: { type: "string", arg: "<ISO time>", description: "restore the state as it was at this time" },
        "from-backup": {
          type: "boolean",
          description: "take the state from the backup bucket (latest, or as of --at)",
        },
        prefixes: {
          type: "string",
          arg: "<a,b,...>",
          description: "state prefixes to restore",
          default: DEFAULT_PREFIXES,
        },
        bucket: {
          type: "string",
          arg: "<name>",
          description: "state bucket (else S3_BUCKET, else stack output stateBucketName)",
        },
        "s3-prefix": {
          type: "string",
          arg: "<root/>",
          description: "state root in the bucket (else S3_PREFIX)",
        },
        "kms-key-id": {
          type: "string",
          arg: "<arn>",
          description: "SSE-KMS key for restored objects (else KMS_KEY_ID / kmsKeyArn)",
        },
        "backup-bucket": {
          type: "string",
          arg: "<name>",
          description: "backup bucket (else BACKUP_BUCKET / backupBucketName)",
        },
        "backup-region": {
          type: "string",
          arg: "<region>",
          description: "backup bucket region (else BACKUP_REGION / backupRegion)",
        },
        "backup-prefix": {
          type: "string",
          arg: "<root/>",
          description: "state root in the backup bucket (default: same as --s3-prefix)",
        },
      },
      examples: [
        "./runbooks/restore.ts --env prod --at 2026-11-25T14:00:00Z --dry-run",
        "./runbooks/restore.ts --env prod --from-backup --yes",
        "make restore ENV=prod AT=2026-11-25T14:00:00Z",
      ],
    },
    async (ctx) => {
      const { out, options } = ctx;
      const fromBackup = options["from-backup"] === true;
      if (!options.at && !fromBackup) throw new RunbookError("give --at <ISO time>, or --from-backup");
      let at: Date | null = null;
      if (options.at) {
        const parsed = atSchema.safeParse(options.at);
        if (!parsed.success) throw new RunbookError(parsed.error.issues[0]!.message);
        at = new Date(parsed.data);
        if (at.getTime() > Date.now()) throw new RunbookError(`--at ${options.at} is in the future`);
      }
      const prefixes = String(options.prefixes ?? DEFAULT_PREFIXES)
        .split(",")
        .map((p) => p.trim().replace(/\/$/, ""))
        .filter(Boolean);
      for (const p of prefixes) {
        const ok = prefixSchema.safeParse(p);
        if (!ok.success) throw new RunbookError(`--prefixes: "${p}": ${ok.error.issues[0]!.message}`);
      }

      const settings = await resolveSettings({ ...SOURCES, ...AUDIT_SETTINGS }, ctx);
      const clients = createAwsClients(ctx.environment);
      const target: RestoreTarget = {
        s3: clients.s3,
        bucket: requireSetting(settings.bucket, "the state bucket", SOURCES.bucket),
        root: normaliseRoot(settings.root),
        kmsKeyId: settings.kmsKeyId,
      };
      let source: RestoreSource = { s3: clients.s3, bucket: target.bucket, root: target.root, at };
      if (fromBackup) {
        const base = awsClientOptions(ctx.environment);
        source = {
          s3: settings.backupRegion
            ? new S3Client({ ...base, region: settings.backupRegion, forcePathStyle: Boolean(base.endpoint) })
            : clients.s3,
          bucket: requireSetting(settings.backupBucket, "the backup bucket", SOURCES.backupBucket),
          root: settings.backupRoot !== undefined ? normaliseRoot(settings.backupRoot) : target.root,
          at,
        };
      }
      if (!target.kmsKeyId)
        out.warn("no KMS key given: restored objects get the bucket's default encryption");

      const origin = `${fromBackup ? `backup s3://${source.bucket}/${source.root}` : "object versions"} ${at ? `as of ${at.toISOString()}` : "(latest)"}`;
      out.info(
        `${out.c.bold("Restore")} s3://${target.bucket}/${target.root}{${prefixes.join(",")}}/ from ${origin}`,
      );
      const planStarted = Date.now();
      const plan = await out.progress("comparing object versions", () =>
        planRestore(source, target, prefixes),
      );
      const planSeconds = (Date.now() - planStarted) / 1000;
      const shown = plan.filter((p) => p.action !== "unchanged" || p.current);
      const colour = { restored: out.c.green, removed: out.c.red, unchanged: out.c.dim };
      out.info(
        renderTable(
          out,
          ["object", "action", "from version (time)", "why"],
          shown.map((p) => [
            p.path,
            colour[p.action](p.action),
            p.source ? `${p.source.versionId.slice(0, 12)} (${p.source.lastModified.toISOString()})` : "",
            p.why,
          ]),
        ),
      );
      const counts = summarise(plan);
      out.info(
        `${counts.restored} restored · ${counts.removed} removed · ${counts.unchanged} unchanged (planned in ${planSeconds.toFixed(2)} s)`,
      );
      if (ctx.dryRun) {
        out.info(out.c.dim("dry run: nothing changed"));
        return;
      }
      const changes = counts.restored + counts.removed;
      if (changes > 0) {
        out.plan(
          "restored objects become new versions; removed objects get a delete marker; no version is deleted",
        );
        if (!(await ctx.confirm(`Restore ${changes} object(s) in ${ctx.env}`)))
          throw new RunbookError("cancelled: nothing changed");
        const started = Date.now();
        await out.progress(`writing ${changes} object(s)`, () => applyRestore(plan, source, target));
        const applySeconds = (Date.now() - started) / 1000;
        const audit = await openRunbookAudit(NAME, settings, clients);
        await audit.record("state.restore", null, {
          from: fromBackup ? `s3://${source.bucket}/${source.root}` : "versions",
          at: at?.toISOString() ?? null,
          prefixes,
          ...counts,
          restored_objects: plan
            .filter((p) => p.action === "restored")
            .map((p) => p.path)
            .slice(0, 1000),
          removed_objects: plan
            .filter((p) => p.action === "removed")
            .map((p) => p.path)
            .slice(0, 1000),
        });
        out.ok(`wrote ${changes} object(s) in ${applySeconds.toFixed(2)} s (audit: ${audit.where})`);
      } else {
        out.ok("nothing to restore: the state already matches");
      }
      const verifyStarted = Date.now();
      const check = await out.progress("verifying the restored state", () =>
        verifyRestore(plan, target, prefixes),
      );
      const verifySeconds = (Date.now() - verifyStarted) / 1000;
      for (const [prefix, c] of Object.entries(check.counts))
        out.info(`  ${prefix}/: ${c.found} object(s), expected ${c.expected}`);
      if (check.problems.length > 0) {
        for (const problem of check.problems.slice(0, 20)) out.fail(problem);
        throw new RunbookError(
          `verification failed: ${check.problems.length} problem(s) (first: ${check.problems[0]})`,
        );
      }
      out.ok(`verified: every record parses and the counts match (in ${verifySeconds.toFixed(2)} s)`);
      if (changes > 0)
        out.info(
          "Restart the Gateway (or wait KEY_CACHE_TTL_SECONDS) so no cached record outlives the restore.",
        );
    },
    argv,
    io,
  );

await runIfEntryPoint(import.meta.url, main);
