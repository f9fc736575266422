/**
 * Which hosts a Core may register as its tunnel URL (TUNNEL_HOST_ALLOWLIST). A pattern is either
 * an exact host (`core.example.com`) or `*.` followed by a domain (`*.ngrok.app`), which matches
 * any host below that domain at any depth, but not the domain itself.
 */

/** ngrok's tunnel domains: the default when TUNNEL_HOST_ALLOWLIST is unset. */
export const DEFAULT_TUNNEL_HOST_ALLOWLIST: readonly string[] = Object.freeze([
  "*.ngrok-free.app",
  "*.ngrok.app",
  "*.ngrok.io",
  "*.ngrok.dev",
  "*.ngrok-free.dev",
]);

const LABEL = "[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?";
const HOST_PATTERN = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)*${LABEL}$`);

/** True when `pattern` is a well-formed allowlist entry (for config validation). */
export function isValidHostPattern(pattern: string): boolean {
  return HOST_PATTERN.test(pattern.trim().toLowerCase());
}

/** True when `host` (a URL hostname) is allowed by one of `patterns`. Case-insensitive. */
export function isHostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = normalizeHost(host);
  if (h === "") return false;
  return patterns.some((raw) => {
    const pattern = normalizeHost(raw);
    if (pattern.startsWith("*.")) {
      const suffix = pattern.slice(1); // ".ngrok.app"
      return h.length > suffix.length && h.endsWith(suffix);
    }
    return pattern !== "" && h === pattern;
  });
}

/** Lower case, without the trailing dot of a fully-qualified name (`a.ngrok.app.` is `a.ngrok.app`). */
function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, "");
}
