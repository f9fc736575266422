import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * AWS SDK v3 clients for the runbooks. `AWS_ENDPOINT_URL` (the standard variable) points them at
 * an emulator such as moto_server; S3 then needs path-style addressing. Keys in the runbook's
 * environment are used as the SDK would use them from the process environment (its first
 * source); without them the SDK's own chain (profile, role) applies.
 */
export interface AwsClients {
  s3: S3Client;
  kms: KMSClient;
  secrets: SecretsManagerClient;
}

export interface AwsClientOptions {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function awsClientOptions(environment: Record<string, string | undefined>): AwsClientOptions {
  const region = environment.AWS_REGION || environment.AWS_DEFAULT_REGION || "us-east-1";
  const options: AwsClientOptions = { region };
  if (environment.AWS_ENDPOINT_URL) options.endpoint = environment.AWS_ENDPOINT_URL;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = environment;
  if (accessKeyId && secretAccessKey) {
    const sessionToken = environment.AWS_SESSION_TOKEN || undefined;
    options.credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  return options;
}

export function createAwsClients(environment: Record<string, string | undefined>): AwsClients {
  const base = { ...awsClientOptions(environment), maxAttempts: 5 };
  return {
    s3: new S3Client({ ...base, forcePathStyle: Boolean(base.endpoint) }),
    kms: new KMSClient(base),
    secrets: new SecretsManagerClient(base),
  };
}
