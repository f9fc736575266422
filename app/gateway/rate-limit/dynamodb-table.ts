import { DynamoDB, waitUntilTableExists } from "@aws-sdk/client-dynamodb";

/**
 * Creates the rate-limit table when it is missing (dev, tests; in AWS the infrastructure owns
 * it): partition key `key` (S), on-demand billing, TTL on `expire` (unix seconds, the attribute
 * rate-limiter-flexible writes) so DynamoDB deletes finished windows. Safe to run twice.
 */
export async function ensureRateLimitTable(client: DynamoDB, tableName: string): Promise<void> {
  try {
    await client.describeTable({ TableName: tableName });
  } catch (err) {
    if ((err as { name?: string }).name !== "ResourceNotFoundException") throw err;
    try {
      await client.createTable({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: "key", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "key", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      });
    } catch (createErr) {
      // Another instance created it between our describe and create.
      if ((createErr as { name?: string }).name !== "ResourceInUseException") throw createErr;
    }
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  }
  const ttl = await client.describeTimeToLive({ TableName: tableName });
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status !== "ENABLED" && status !== "ENABLING") {
    await client.updateTimeToLive({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: "expire", Enabled: true },
    });
  }
}

/** A DynamoDB client for the limiter: short timeouts, since a rate check sits on the hot path. */
export function createRateLimitDynamoClient(options: { region?: string; endpoint?: string } = {}): DynamoDB {
  return new DynamoDB({
    region: options.region ?? "us-east-1",
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
}
