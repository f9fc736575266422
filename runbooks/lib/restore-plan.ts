import { createHash } from "node:crypto";
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { currentVersion, listObjectHistory, versionAt, type ObjectVersion } from "./s3-versions.js";

/** Where the wanted state comes from: this bucket's own history, or the backup bucket's. */
export interface RestoreSource {
  s3: S3Client;
  bucket: string;
  /** state root in the source bucket, e.g. "gateway/" or "" */
  root: string;
  /** point in time; null = the latest state of the source */
  at: Date | null;
}

export interface RestoreTarget {
  s3: S3Client;
  bucket: string;
  root: string;
  kmsKeyId?: string;
}

export type RestoreAction = "restored" | "removed" | "unchanged";

export interface PlannedObject {
  /** path below the state root, e.g. "keys/abc.json" */
  path: string;
  prefix: string;
  action: RestoreAction;
  /** the version to copy back (restored) */
  source?: ObjectVersion;
  /** the version in place now (null: missing) */
  current: ObjectVersion | null;
  why: string;
}

const CONCURRENCY = 8;

export async function mapPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function objectDigest(s3: S3Client, bucket: string, key: string, versionId: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const bytes = await res.Body!.transformToByteArray();
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Compares the wanted state (source at the chosen time) with the target's current state, object by
 * object, for each prefix. Equal content counts as unchanged, so a second run plans nothing.
 */
export async function planRestore(
  source: RestoreSource,
  target: RestoreTarget,
  prefixes: string[],
): Promise<PlannedObject[]> {
  const sameBucket = source.bucket === target.bucket && source.root === target.root;
  const plan: PlannedObject[] = [];
  for (const prefix of prefixes) {
    const wantedHistory = await listObjectHistory(source.s3, source.bucket, `${source.root}${prefix}/`);
    const currentHistory = sameBucket
      ? wantedHistory
      : await listObjectHistory(target.s3, target.bucket, `${target.root}${prefix}/`);
    const paths = new Set<string>();
    for (const key of wantedHistory.keys()) paths.add(key.slice(source.root.length));
    for (const key of currentHistory.keys()) paths.add(key.slice(target.root.length));
    const rows = await mapPool([...paths].sort(), CONCURRENCY, async (path): Promise<PlannedObject> => {
      const wanted = versionAt(wantedHistory.get(source.root + path) ?? [], source.at);
      const current = currentVersion(currentHistory.get(target.root + path) ?? []);
      if (!wanted && !current)
        return { path, prefix, action: "unchanged", current, why: "absent then and now" };
      if (!wanted) return { path, prefix, action: "removed", current, why: "did not exist at that time" };
      if (!current) return { path, prefix, action: "restored", source: wanted, current, why: "missing now" };
      if (sameBucket && wanted.versionId === current.versionId) {
        return { path, prefix, action: "unchanged", current, why: "same version" };
      }
      const sameTag =
        wanted.etag !== undefined && wanted.etag === current.etag && wanted.size === current.size;
      const same =
        sameTag ||
        (wanted.size === current.size &&
          (await objectDigest(source.s3, source.bucket, wanted.key, wanted.versionId)) ===
            (await objectDigest(target.s3, target.bucket, current.key, current.versionId)));
      return same
        ? { path, prefix, action: "unchanged", current, why: "same content" }
        : { path, prefix, action: "restored", source: wanted, current, why: "changed since" };
    });
    plan.push(...rows);
  }
  return plan;
}

const copySource = (bucket: string, key: string, versionId: string) =>
  `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}?versionId=${encodeURIComponent(versionId)}`;

/**
 * Applies a plan without deleting history: a restored object is a NEW version copied from the old
 * one (SSE-KMS), a removed object gets a delete marker; every earlier version stays in the bucket.
 */
export async function applyRestore(
  plan: PlannedObject[],
  source: RestoreSource,
  target: RestoreTarget,
  onProgress: (done: number) => void = () => {},
): Promise<void> {
  let done = 0;
  const changes = plan.filter((p) => p.action !== "unchanged");
  await mapPool(changes, CONCURRENCY, async (p) => {
    const key = target.root + p.path;
    if (p.action === "restored") {
      await target.s3.send(
        new CopyObjectCommand({
          Bucket: target.bucket,
          Key: key,
          CopySource: copySource(source.bucket, p.source!.key, p.source!.versionId),
          MetadataDirective: "COPY",
          ...(target.kmsKeyId ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: target.kmsKeyId } : {}),
        }),
      );
    } else {
      await target.s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key }));
    }
    onProgress(++done);
  });
}
