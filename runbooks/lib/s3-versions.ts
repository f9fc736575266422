import {
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";

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

/** Every page of a ListObjectVersions listing under `prefix`; more than `maxPages` pages throws. */
export async function* listVersionPages(
  s3: S3Client,
  bucket: string,
  prefix: string,
  maxPages = 10_000,
): AsyncGenerator<ListObjectVersionsCommandOutput> {
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
    yield res;
    if (!res.IsTruncated) return;
    keyMarker = res.NextKeyMarker;
    versionIdMarker = res.NextVersionIdMarker;
  }
  throw new Error(`more than ${maxPages} pages of versions under s3://${bucket}/${prefix}`);
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
  for await (const res of listVersionPages(s3, bucket, prefix, maxPages)) {
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
