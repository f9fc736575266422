/**
 * The token of `Authorization: Bearer <token>` when it is not a CodeQuery API key, else undefined.
 * Kept apart from the resolver so the auth middleware does not load oidc-provider when OAuth is off.
 */
export function oauthBearerOf(authorization: string): string | undefined {
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization.trim());
  if (!match || match[1]!.startsWith("cq_")) return undefined;
  return match[1];
}
