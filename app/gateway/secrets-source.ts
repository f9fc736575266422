import { singlePepperRing, type PepperRing } from "./keys/hashing.js";

/** The Gateway's secrets as the rest of the code sees them: read synchronously, kept fresh elsewhere. */
export interface GatewaySecrets {
  adminApiKey(): string;
  peppers: PepperRing;
}

/** ADMIN_API_KEY and KEY_PEPPER from the environment (pepper id "env"). */
export function secretsFromEnvironment(adminApiKey: string, keyPepper: string): GatewaySecrets {
  return { adminApiKey: () => adminApiKey, peppers: singlePepperRing(keyPepper) };
}
