import { z } from "zod";
import { envInt } from "../../app/common/env-schema.js";
import { KeyService } from "../../app/gateway/keys/key-service.js";
import { toKeyView, type KeyView } from "../../app/gateway/keys/key-view.js";
import type { PepperRing } from "../../app/gateway/keys/hashing.js";
import { createSecretProvider } from "../../app/gateway/secrets/secret-provider.js";
import { keySecretsFrom } from "../../app/gateway/secrets/key-secrets.js";
import { createRecordStore } from "../../app/gateway/store/record-store.js";
import { runbookStoreBackend } from "./store-backend.js";
import type { RecordStore, TunnelRecord, UsageRecord } from "../../app/gateway/store/types.js";
import { RunbookError } from "./cli.js";
import type { GatewayAdminClient } from "./gateway-admin.js";

export interface NewKey {
  label?: string;
  expiration_days?: number;
  requests_per_minute?: number;
}

export interface IssuedKeyView {
  api_key: string;
  key_id: string;
  expires_at: string;
  previous_key_valid_until?: string | null;
}

/** The key lifecycle as an operator drives it: through the Gateway, or (break glass) on the store. */
export interface KeyAdmin {
  readonly via: string;
  create(options: NewKey): Promise<IssuedKeyView>;
  list(): Promise<KeyView[]>;
  show(id: string): Promise<KeyView>;
  rotate(id: string): Promise<IssuedKeyView>;
  revoke(id: string): Promise<KeyView>;
  restore(id: string): Promise<KeyView>;
  purge(id: string): Promise<void>;
}

export function gatewayKeyAdmin(gateway: GatewayAdminClient): KeyAdmin {
  return {
    via: `the Gateway at ${gateway.baseUrl}`,
    create: (options) => gateway.request("POST", "/api-keys/generate", options),
    list: async () => (await gateway.request<{ keys: KeyView[] }>("GET", "/api-keys")).keys,
    show: (id) => gateway.request("GET", `/api-keys/${id}`),
    rotate: (id) => gateway.request("POST", `/api-keys/${id}/rotate`),
    revoke: (id) => gateway.request("POST", `/api-keys/${id}/revoke`),
    restore: (id) => gateway.request("POST", `/api-keys/${id}/restore`),
    purge: async (id) => {
      await gateway.request("DELETE", `/api-keys/${id}`);
    },
  };
}

const policySchema = z.object({
  DEFAULT_RPM: envInt(60, 1, 1_000_000),
  DEFAULT_EXPIRATION_DAYS: envInt(30, 1, 3650),
  ROTATION_GRACE_HOURS: envInt(24, 0, 24 * 90),
  REVOKED_RETENTION_DAYS: envInt(30, 0, 3650),
  STORE: z.enum(["file", "s3"], { error: 'expected "file" or "s3"' }).default("file"),
  DATA_DIR: z.string().default(".data/gateway"),
});

/**
 * Break-glass: the Gateway's own KeyService over its record store (file DATA_DIR, or S3), for
 * when the Gateway is down. Peppers (KEY_PEPPER or ADMIN_SECRET_ID) are read only by create and
 * rotate, which hash a new key; list/show/revoke/restore/purge never need them.
 */
export function storeKeyAdmin(
  environment: Record<string, string | undefined>,
  settings: { bucket?: string },
): KeyAdmin {
  const parsed = policySchema.safeParse(environment);
  if (!parsed.success)
    throw new RunbookError(
      `bad setting: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  const env = parsed.data;
  const backend = runbookStoreBackend({
    store: environment.STORE,
    bucket: settings.bucket,
    dataDir: env.DATA_DIR,
    prefix: environment.S3_PREFIX,
    kmsKeyId: environment.KMS_KEY_ID,
    region: environment.AWS_REGION,
    endpoint: environment.AWS_ENDPOINT_URL,
  });
  const store: RecordStore = createRecordStore(backend);
  let peppers: PepperRing | undefined;
  const loadPeppers = async () => {
    if (!environment.KEY_PEPPER && !environment.ADMIN_SECRET_ID) {
      throw new RunbookError(
        "create and rotate in --store mode need KEY_PEPPER or ADMIN_SECRET_ID (the Gateway's pepper)",
      );
    }
    const provider = await createSecretProvider(
      {
        KEY_PEPPER: environment.ADMIN_SECRET_ID ? undefined : environment.KEY_PEPPER,
        // the env loader insists on an admin key too; it is not used here
        ADMIN_API_KEY: environment.ADMIN_SECRET_ID
          ? undefined
          : (environment.ADMIN_API_KEY ?? "x".repeat(32)),
        ADMIN_SECRET_ID: environment.ADMIN_SECRET_ID || undefined,
        AWS_REGION: environment.AWS_REGION,
        AWS_ENDPOINT_URL: environment.AWS_ENDPOINT_URL,
      },
      { refreshIntervalMs: 3_600_000 },
    );
    provider.close();
    return keySecretsFrom(provider).peppers;
  };
  const noPeppers: PepperRing = {
    current: () => {
      throw new RunbookError("no pepper loaded");
    },
    get: () => undefined,
  };
  const service = async (withPeppers: boolean) => {
    if (withPeppers) peppers ??= await loadPeppers();
    return new KeyService(
      store,
      (withPeppers ? peppers : undefined) ?? noPeppers,
      {
        defaultRpm: env.DEFAULT_RPM,
        defaultExpirationDays: env.DEFAULT_EXPIRATION_DAYS,
        rotationGraceHours: env.ROTATION_GRACE_HOURS,
        revokedRetentionDays: env.REVOKED_RETENTION_DAYS,
      },
      Date.now,
      0,
    );
  };
  const view = async (keys: KeyService, id: string): Promise<KeyView> => {
    const record = await keys.get(id);
    const [usage, tunnel] = await Promise.all([
      store.get<UsageRecord>("usage", id),
      store.get<TunnelRecord>("tunnels", id),
    ]);
    return toKeyView(
      record,
      keys.status(record),
      usage?.value,
      tunnel ? { url: tunnel.value.url, registered_at: tunnel.value.registered_at } : null,
    );
  };
  return {
    via:
      backend.kind === "s3"
        ? `the S3 store s3://${backend.bucket}/${backend.prefix}`
        : `the file store ${backend.dataDir}`,
    async create(options) {
      const { apiKey, record } = await (
        await service(true)
      ).generate({
        label: options.label ?? null,
        expirationDays: options.expiration_days,
        requestsPerMinute: options.requests_per_minute,
      });
      return { api_key: apiKey, key_id: record.key_id, expires_at: record.expires_at };
    },
    async list() {
      const keys = await service(false);
      return Promise.all((await keys.list()).map((r) => view(keys, r.key_id)));
    },
    show: async (id) => view(await service(false), id),
    async rotate(id) {
      const { apiKey, record } = await (await service(true)).rotate(id);
      return {
        api_key: apiKey,
        key_id: id,
        expires_at: record.expires_at,
        previous_key_valid_until: record.previous_secrets.at(-1)?.valid_until ?? null,
      };
    },
    async revoke(id) {
      const keys = await service(false);
      await keys.revoke(id);
      return view(keys, id);
    },
    async restore(id) {
      const keys = await service(false);
      await keys.restore(id);
      return view(keys, id);
    },
    purge: async (id) => (await service(false)).purge(id),
  };
}
