import type { PepperRing } from "../keys/hashing.js";
import type { SecretProvider } from "./secret-provider.js";

/**
 * The Gateway's secrets as the key code uses them: read synchronously on every request, kept
 * fresh by the SecretProvider (Secrets Manager is re-read periodically; a rotated admin key or
 * a new pepper takes effect without a restart).
 */
export interface KeySecrets {
  adminApiKey(): string;
  peppers: PepperRing;
  close?(): void;
}

export function keySecretsFrom(provider: SecretProvider): KeySecrets {
  return {
    adminApiKey: () => provider.current().adminApiKey,
    peppers: {
      current: () => {
        const secrets = provider.current();
        return { id: secrets.currentPepperId, secret: secrets.peppers.get(secrets.currentPepperId)! };
      },
      get: (id) => provider.pepper(id),
    },
    close: () => provider.close(),
  };
}
