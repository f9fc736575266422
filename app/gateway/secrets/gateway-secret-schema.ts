import { z } from "zod";
import { ConfigError } from "../../common/config.js";
import type { GatewaySecret } from "../store/types.js";

/** Admin keys and peppers shorter than this are refused: both are secrets an attacker must not guess. */
export const MIN_SECRET_LENGTH = 16;
const PEPPER_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** A secret's content is wrong. The message names the secret and the field, never a value. */
export class SecretConfigError extends ConfigError {
  override name = "SecretConfigError";
}

const secretValue = (what: string) =>
  z
    .string({ error: `must be a string (the ${what})` })
    .min(MIN_SECRET_LENGTH, { error: `must be at least ${MIN_SECRET_LENGTH} characters` });

// Custom messages throughout: zod's defaults may quote the offending input, which is a secret here.
export const gatewaySecretSchema = z
  .object(
    {
      admin_api_key: secretValue("admin API key"),
      peppers: z
        .record(z.string(), secretValue("pepper"), { error: 'must be an object {"<pepper id>": "<pepper>"}' })
        .superRefine((peppers, ctx) => {
          const ids = Object.keys(peppers);
          if (ids.length === 0) ctx.addIssue({ code: "custom", message: "must hold at least one pepper" });
          for (const id of ids.filter((id) => !PEPPER_ID.test(id))) {
            ctx.addIssue({ code: "custom", message: "pepper ids use A-Z a-z 0-9 . _ - (1-64)", path: [id] });
          }
        }),
      current_pepper: z.string({ error: "must be a string (a pepper id)" }),
    },
    { error: "must be a JSON object" },
  )
  .refine((secret) => Object.hasOwn(secret.peppers, secret.current_pepper), {
    error: "must name one of the ids in peppers",
    path: ["current_pepper"],
  });

/** Parses the JSON of the ADMIN_SECRET_ID secret; `secretId` only names it in errors. */
export function parseGatewaySecret(secretId: string, secretString: string | undefined): GatewaySecret {
  if (secretString === undefined) {
    throw new SecretConfigError(`Secret "${secretId}" has no SecretString: store it as JSON text`);
  }
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new SecretConfigError(
      `Secret "${secretId}" is not valid JSON: expected {"admin_api_key", "peppers", "current_pepper"}`,
    );
  }
  const parsed = gatewaySecretSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
  );
  throw new SecretConfigError(`Secret "${secretId}" is invalid: ${problems.join("; ")}`);
}
