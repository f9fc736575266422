/**
 * Names that are never listed, read or searched, whatever the ignore files say: secrets,
 * credentials and VCS internals. Checked against every path segment, case-insensitively, so a
 * directory named `.ssh` hides everything below it and `!.env` in a .gitignore cannot expose it.
 */
const EXACT = [
  ".env",
  ".git",
  ".hg",
  ".svn",
  ".ssh",
  ".aws",
  ".azure",
  ".gnupg",
  ".kube",
  ".docker",
  ".npmrc",
  ".yarnrc",
  ".pypirc",
  ".netrc",
  "_netrc",
  ".pgpass",
  ".htpasswd",
  ".git-credentials",
  "credentials.json",
  "secrets.json",
  "service-account.json",
];

const PREFIXES = [".env.", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"];

const SUFFIXES = [
  ".pem",
  ".key",
  ".p12",
  ".pfx",
  ".jks",
  ".keystore",
  ".kdbx",
  ".ppk",
  ".tfstate",
  ".tfvars",
];

/** The built-in deny list as glob-like patterns, for documentation and the OpenAPI description. */
export const DENY_LIST_PATTERNS: readonly string[] = [
  ...EXACT,
  ...PREFIXES.map((p) => `${p}*`),
  ...SUFFIXES.map((s) => `*${s}`),
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// One case-insensitive regular expression: this runs for every entry of every listing.
const DENIED = new RegExp(
  `^(?:${EXACT.map(escape).join("|")})$|^(?:${PREFIXES.map(escape).join("|")})|(?:${SUFFIXES.map(escape).join("|")})$`,
  "i",
);

export function isDeniedName(name: string): boolean {
  return DENIED.test(name);
}
