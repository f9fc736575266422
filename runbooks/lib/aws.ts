import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * AWS SDK v3 clients for the runbooks. `AWS_ENDPOINT_URL` (the standard variable) points them at
 * an emulator such as moto_server; S3 then needs path-style addressing.
 */
export interface AwsClients {
  s3: S3Client;
  kms: KMSClient;
  secrets: SecretsManagerClient;
}

export function awsClientOptions(environment: Record<string, string | undefined>): {
  region: string;
  endpoint?: string;
} {
  const region = environment.AWS_REGION || environment.AWS_DEFAULT_REGION || "us-east-1";
  const endpoint = environment.AWS_ENDPOINT_URL || undefined;
  return endpoint ? { region, endpoint } : { region };
}

export function createAwsClients(environment: Record<string, string | undefined>): AwsClients {
  const base = { ...awsClientOptions(environment), maxAttempts: 5 };
  return {
    s3: new S3Client({ ...base, forcePathStyle: Boolean(base.endpoint) }),
    kms: new KMSClient(base),
    secrets: new SecretsManagerClient(base),
  };
}
