import type { Logger } from "../common/logger.js";
import type { GatewayConfig } from "./config.js";
import { memoryLimiterFactory } from "./rate-limiters.js";
import { secretsFromEnvironment } from "./secrets-source.js";
import type { GatewayDeps } from "./server.js";
import { createRecordStore } from "./store/record-store.js";

type Built = Pick<
  GatewayDeps,
  "store" | "auditSink" | "secrets" | "limiterFactory" | "validateTunnelUrl" | "forward"
>;

/**
 * The backends configuration chooses (store, audit sink, secrets, rate-limit store, tunnel URL
 * policy, proxy), made once at start-up; anything in `given` is used as is.
 */
export async function buildDefaultDeps(
  config: GatewayConfig,
  given: Partial<GatewayDeps>,
  logger: Logger,
  _now: () => number,
): Promise<Built> {
  const store =
    given.store ??
    createRecordStore(
      {
        STORE: config.store,
        DATA_DIR: config.dataDir,
        S3_BUCKET: config.s3Bucket,
        S3_PREFIX: config.s3Prefix,
        KMS_KEY_ID: config.kmsKeyId,
        AWS_REGION: config.awsRegion,
        AWS_ENDPOINT_URL: config.awsEndpointUrl,
      },
      { logger },
    );
  const secrets = given.secrets ?? secretsFromEnvironment(config.adminApiKey!, config.keyPepper!);
  const limiterFactory = given.limiterFactory ?? memoryLimiterFactory;
  const notYet = (what: string) => () => Promise.reject(new Error(`${what} is not wired yet`));
  return {
    store,
    secrets,
    limiterFactory,
    auditSink: given.auditSink ?? { write: notYet("audit sink"), query: notYet("audit sink") },
    validateTunnelUrl: given.validateTunnelUrl ?? notYet("tunnel URL validation"),
    forward: given.forward ?? notYet("core proxy"),
  };
}
