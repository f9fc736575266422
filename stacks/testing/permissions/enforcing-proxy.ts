import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { Document } from "./facts.js";

/**
 * A loopback proxy in front of moto_server that lets an S3 request through only when the caller's
 * identity policy allows every IAM action it needs, as iam-simulate evaluates it. moto's own IAM
 * enforcement cannot be used: its signature check fails on any `/` in a query value (every
 * ListObjectVersions with a Prefix), and it ignores Conditions.
 */

export interface S3Permission {
  action: string;
  resource: string;
  context: Record<string, string>;
}

const copySourceOf = (header: string) => {
  const [path, query] = decodeURIComponent(header.replace(/^\//, "")).split("?");
  return { arn: `arn:aws:s3:::${path}`, versioned: (query ?? "").includes("versionId=") };
};

/** The IAM actions an S3 REST request (path style) needs, per the S3 authorization reference. */
export function s3Permissions(
  method: string,
  url: URL,
  headers: Record<string, string | undefined>,
): S3Permission[] {
  const [bucket, ...rest] = url.pathname.replace(/^\//, "").split("/");
  const key = rest.map(decodeURIComponent).join("/");
  const q = url.searchParams;
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const sse: Record<string, string> = {};
  if (headers["x-amz-server-side-encryption"])
    sse["s3:x-amz-server-side-encryption"] = headers["x-amz-server-side-encryption"];
  if (headers["x-amz-server-side-encryption-aws-kms-key-id"])
    sse["s3:x-amz-server-side-encryption-aws-kms-key-id"] =
      headers["x-amz-server-side-encryption-aws-kms-key-id"];
  if (!key) {
    const prefix = { "s3:prefix": q.get("prefix") ?? "" };
    if (method === "GET" && q.has("versions"))
      return [{ action: "s3:ListBucketVersions", resource: bucketArn, context: prefix }];
    if (method === "GET" || method === "HEAD")
      return [{ action: "s3:ListBucket", resource: bucketArn, context: prefix }];
    if (method === "PUT" && q.has("versioning"))
      return [{ action: "s3:PutBucketVersioning", resource: bucketArn, context: {} }];
    if (method === "PUT" && q.has("policy"))
      return [{ action: "s3:PutBucketPolicy", resource: bucketArn, context: {} }];
    if (method === "DELETE" && q.size === 0)
      return [{ action: "s3:DeleteBucket", resource: bucketArn, context: {} }];
    return [{ action: `s3:Unmapped${method}Bucket`, resource: bucketArn, context: {} }];
  }
  const objectArn = `${bucketArn}/${key}`;
  const versioned = q.has("versionId");
  if (method === "GET" || method === "HEAD")
    return [{ action: versioned ? "s3:GetObjectVersion" : "s3:GetObject", resource: objectArn, context: {} }];
  if (method === "DELETE")
    return [
      { action: versioned ? "s3:DeleteObjectVersion" : "s3:DeleteObject", resource: objectArn, context: {} },
    ];
  if (method === "PUT" && headers["x-amz-copy-source"]) {
    const source = copySourceOf(headers["x-amz-copy-source"]);
    return [
      { action: "s3:PutObject", resource: objectArn, context: sse },
      {
        action: source.versioned ? "s3:GetObjectVersion" : "s3:GetObject",
        resource: source.arn,
        context: {},
      },
    ];
  }
  if (method === "PUT" || method === "POST")
    return [{ action: "s3:PutObject", resource: objectArn, context: sse }];
  return [{ action: `s3:Unmapped${method}Object`, resource: objectArn, context: {} }];
}

export interface EnforcingProxy {
  url: string;
  /** every decision, for the test to show */
  decisions: Array<S3Permission & { caller: string; allowed: boolean }>;
  close(): Promise<void>;
}

const accessKeyOf = (req: IncomingMessage) =>
  /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ?? "(unsigned)";

/**
 * Starts the proxy. `callers` maps an access key id to its principal ARN and identity policy;
 * a request signed with any other key is refused.
 */
export async function startEnforcingProxy(
  target: string,
  accountId: string,
  callers: Record<string, { arn: string; policy: Document }>,
): Promise<EnforcingProxy> {
  const decisions: EnforcingProxy["decisions"] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://proxy");
      const headers = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([k]) => !["host", "connection", "transfer-encoding"].includes(k))
          .map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v]),
      );
      const caller = callers[accessKeyOf(req)];
      let allowed = caller !== undefined;
      for (const p of s3Permissions(req.method ?? "GET", url, headers)) {
        let ok = false;
        if (caller) {
          const result = await runSimulation(
            {
              request: {
                principal: caller.arn,
                action: p.action,
                resource: { resource: p.resource, accountId },
                contextVariables: { ...p.context, "aws:SecureTransport": "true" },
              },
              identityPolicies: [{ name: "identity", policy: caller.policy }],
              serviceControlPolicies: [],
              resourceControlPolicies: [],
            },
            {},
          );
          ok = result.resultType !== "error" && result.overallResult === "Allowed";
        }
        decisions.push({ ...p, caller: caller?.arn ?? "(unknown key)", allowed: ok });
        allowed &&= ok;
      }
      if (!allowed) {
        res.writeHead(403, { "content-type": "application/xml" });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
        );
        return;
      }
      const body =
        req.method === "GET" || req.method === "HEAD" ? undefined : (Readable.toWeb(req) as ReadableStream);
      const answer = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers: headers as Record<string, string>,
        body,
        duplex: "half",
      } as RequestInit);
      const answerHeaders: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!["transfer-encoding", "connection", "content-encoding"].includes(name))
          answerHeaders[name] = value;
      });
      res.writeHead(answer.status, answerHeaders);
      res.end(Buffer.from(await answer.arrayBuffer()));
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    decisions,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
