import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The artifact is missing: the message says how to build it. */
export class MissingArtifactError extends Error {
  override name = "MissingArtifactError";
}

/** `releases/<sha256>.tar.gz`: the content decides the key, so a code change is a new launch template. */
export function artifactKey(path: string): string {
  if (!existsSync(path))
    throw new MissingArtifactError(
      `release artifact ${path} not found: run \`make artifact\` (npx tsx scripts/build-artifact.ts) first`,
    );
  return `releases/${createHash("sha256").update(readFileSync(path)).digest("hex")}.tar.gz`;
}

export interface ReleaseArtifactArgs {
  path: string;
  bucket: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
}

/** The bundled apps (scripts/build-artifact.ts) uploaded to the state bucket under their hash. */
export class ReleaseArtifact extends pulumi.ComponentResource {
  readonly key: string;
  readonly object: aws.s3.BucketObjectv2;

  constructor(name: string, args: ReleaseArtifactArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:ReleaseArtifact", name, {}, opts);
    this.key = artifactKey(args.path);
    this.object = new aws.s3.BucketObjectv2(
      `${name}-object`,
      {
        bucket: args.bucket,
        key: this.key,
        source: new pulumi.asset.FileAsset(args.path),
        contentType: "application/gzip",
        serverSideEncryption: "aws:kms",
        kmsKeyId: args.kmsKeyArn,
        bucketKeyEnabled: true,
      },
      { parent: this },
    );
    this.registerOutputs({ key: this.key });
  }
}
