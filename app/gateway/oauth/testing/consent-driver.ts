/** Where the browser stopped: a page it shows, or the client's redirect URI it was sent to. */
export interface BrowserStop {
  res: Response;
  text: string;
  url: string;
  redirectedToClient: string | undefined;
}

/**
 * Plays the person in a browser over plain HTTP: follows the authorization redirects with a
 * cookie jar, reads the consent page, posts the decision, and stops at the client's redirect URI.
 */
export class ConsentBrowser {
  private readonly cookies = new Map<string, string>();
  /** every URL visited, for asserting that no key ever appeared in one */
  readonly visited: string[] = [];

  constructor(private readonly clientRedirectPrefix: string) {}

  async request(url: string, init: { method?: string; form?: Record<string, string>; origin?: string } = {}) {
    this.visited.push(url);
    const headers: Record<string, string> = {};
    const jar = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (jar) headers.cookie = jar;
    if (init.origin) headers.origin = init.origin;
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? "GET", headers, body, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { res, text: await res.text() };
  }

  /** Follows redirects from `url` until a page answers or the client's redirect URI is reached. */
  async follow(url: string, init: Parameters<ConsentBrowser["request"]>[1] = {}): Promise<BrowserStop> {
    let next = url;
    let step = await this.request(next, init);
    for (let hops = 0; hops < 10; hops++) {
      const location = step.res.headers.get("location");
      if (step.res.status < 300 || step.res.status >= 400 || !location)
        return { ...step, url: next, redirectedToClient: undefined };
      next = new URL(location, next).toString();
      if (next.startsWith(this.clientRedirectPrefix)) return { ...step, url: next, redirectedToClient: next };
      step = await this.request(next);
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Opens the authorization URL, then approves (or denies) with `apiKey`; the client redirect URL. */
  async authorize(authorizationUrl: string, apiKey: string, decision: "approve" | "deny" = "approve") {
    const page = await this.follow(authorizationUrl);
    const form = consentFormOf(page.text, page.url);
    const answer = await this.follow(form.action, {
      method: "POST",
      origin: new URL(page.url).origin,
      form: { csrf: form.csrf, api_key: apiKey, decision },
    });
    return answer;
  }
}

export function consentFormOf(html: string, pageUrl: string): { action: string; csrf: string } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !csrf) throw new Error(`no consent form on ${pageUrl}: ${html.slice(0, 300)}`);
  return {
    action: new URL(
      action.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))),
      pageUrl,
    ).toString(),
    csrf,
  };
}
