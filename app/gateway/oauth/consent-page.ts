/** What the consent page shows about one authorization request. */
export interface ConsentView {
  uid: string;
  csrfToken: string;
  clientName: string;
  clientId: string;
  /** where the browser goes back to when the person approves or denies */
  redirectUri: string;
  scopes: string[];
  resource: string;
  /** shown above the form after a refused key */
  error?: string;
}

/**
 * Everything on the page comes from this response: no script, one inline style block, no frames.
 * There is no `form-action`: approving redirects to the client, which a form-action would block.
 */
export const CONSENT_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * The consent page: which client asks, for what, where the answer goes; the person proves who
 * they are with their CodeQuery API key (a password field, posted in the body, never in a URL).
 * Every value from the request or the client's metadata is escaped.
 */
export function renderConsentPage(view: ConsentView): string {
  const error = view.error ? `<p class="error" role="alert">${escapeHtml(view.error)}</p>` : "";
  const scopes = view.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorize ${escapeHtml(view.clientName)} — CodeQuery</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
dt{font-weight:600;margin-top:.6rem}dd{margin:0;word-break:break-all}
.error{background:#fde8e8;border:1px solid #e0b4b4;padding:.6rem;border-radius:4px}
input[type=password]{width:100%;padding:.5rem;font-family:monospace;box-sizing:border-box}
.actions{display:flex;gap:.6rem;margin-top:1rem}button{padding:.5rem 1.2rem}
</style>
</head>
<body>
<h1>Authorize <span id="client-name">${escapeHtml(view.clientName)}</span></h1>
<p>This application asks to read your project through your CodeQuery Core, acting as your API key
(same Core, same rate limit, recorded in the audit log as your key) until you revoke or rotate the key.</p>
<dl>
<dt>Client</dt><dd id="client-id">${escapeHtml(view.clientId)}</dd>
<dt>Sends you back to</dt><dd id="redirect-uri">${escapeHtml(view.redirectUri)}</dd>
<dt>Access</dt><dd><ul id="scopes">${scopes}</ul></dd>
<dt>Resource</dt><dd id="resource">${escapeHtml(view.resource)}</dd>
</dl>
${error}
<form method="post" action="/oauth/consent/${encodeURIComponent(view.uid)}" autocomplete="off">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrfToken)}">
<label for="api_key">Your CodeQuery API key</label>
<input type="password" id="api_key" name="api_key" autocomplete="off" spellcheck="false">
<div class="actions">
<button type="submit" name="decision" value="approve" id="approve">Approve</button>
<button type="submit" name="decision" value="deny" id="deny" formnovalidate>Deny</button>
</div>
</form>
</body>
</html>
`;
}

/** A page for a request that cannot go on (expired, unknown, or already answered). */
export function renderConsentProblem(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CodeQuery authorization</title></head>
<body><h1>This authorization cannot continue</h1><p id="problem">${escapeHtml(message)}</p>
<p>Start again from the application that sent you here.</p></body></html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
