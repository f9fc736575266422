import { ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";

/** One entry of an object's history in a versioned bucket: a version or a delete marker. */
export interface ObjectVersion {
  key: string;
  versionId: string;
  lastModified: Date;
  deleteMarker: boolean;
  isLatest: boolean;
  etag?: string;
  size?: number;
}

/** Every object's history under `prefix`, newest first per key. Bounded to `maxPages` pages. */
export async function listObjectHistory(
  s3: S3Client,
  bucket: string,
  prefix: string,
  maxPages = 10_000,
): Promise<Map<string, ObjectVersion[]>> {
  const byKey = new Map<string, ObjectVersion[]>();
  const add = (v: ObjectVersion) => {
    const list = byKey.get(v.key);
    if (list) list.push(v);
    else byKey.set(v.key, [v]);
  };
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    for (const v of res.Versions ?? []) {
      if (!v.Key || !v.VersionId || !v.LastModified) continue;
      add({
        key: v.Key,
        versionId: v.VersionId,
        lastModified: v.LastModified,
        deleteMarker: false,
        isLatest: v.IsLatest === true,
        etag: v.ETag,
        size: v.Size,
      });
    }
    for (const m of res.DeleteMarkers ?? []) {
      if (!m.Key || !m.VersionId || !m.LastModified) continue;
      add({
        key: m.Key,
        versionId: m.VersionId,
        lastModified: m.LastModified,
        deleteMarker: true,
        isLatest: m.IsLatest === true,
      });
    }
    if (!res.IsTruncated) break;
    keyMarker = res.NextKeyMarker;
    versionIdMarker = res.NextVersionIdMarker;
    if (page === maxPages - 1)
      throw new Error(`more than ${maxPages} pages of versions under s3://${bucket}/${prefix}`);
  }
  // Versions and delete markers arrive in separate lists: merge them newest first. S3 times have
  // one-second resolution, so within a second the current entry (IsLatest) goes first.
  for (const list of byKey.values()) {
    list.sort(
      (a, b) =>
        b.lastModified.getTime() - a.lastModified.getTime() || Number(b.isLatest) - Number(a.isLatest),
    );
  }
  return byKey;
}

/** What the object was at `at`: the newest entry not after it (null: it did not exist yet). */
export function versionAt(history: ObjectVersion[], at: Date | null): ObjectVersion | null {
  const entry = at === null ? history[0] : history.find((v) => v.lastModified.getTime() <= at.getTime());
  return entry && !entry.deleteMarker ? entry : null;
}

/** What the object is now (null: deleted or never existed). */
export function currentVersion(history: ObjectVersion[]): ObjectVersion | null {
  const latest = history.find((v) => v.isLatest) ?? history[0];
  return latest && !latest.deleteMarker ? latest : null;
}
