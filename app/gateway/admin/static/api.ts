/** Same-origin JSON calls to the Gateway with the session cookie and the CSRF token. */

const CSRF_STORAGE = "cq_admin_csrf";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// The token lives in sessionStorage so a reload keeps the tab signed in; the cookie that goes
// with it is HttpOnly, so script alone can never act as the admin in another tab or site.
export const csrf = {
  get: (): string | null => sessionStorage.getItem(CSRF_STORAGE),
  set: (token: string): void => sessionStorage.setItem(CSRF_STORAGE, token),
  clear: (): void => sessionStorage.removeItem(CSRF_STORAGE),
};

function describeFailure(status: number, body: unknown): string {
  if (body && typeof body === "object") {
    const detail = (body as Record<string, unknown>).detail ?? (body as Record<string, unknown>).error;
    if (typeof detail === "string" && detail) return detail;
  }
  if (status === 0) return "The Gateway did not answer: check your connection";
  return `The Gateway answered ${status}`;
}

export async function apiCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = csrf.get();
  if (token) headers["X-CSRF-Token"] = token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, describeFailure(0, null));
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = undefined;
    }
  }
  if (!res.ok) throw new ApiError(res.status, describeFailure(res.status, parsed));
  return parsed as T;
}

export async function signIn(adminKey: string): Promise<void> {
  csrf.clear();
  const answer = await apiCall<{ csrf_token: string; expires_at: string }>("POST", "/admin/session", {
    admin_key: adminKey,
  });
  csrf.set(answer.csrf_token);
}

export async function signOut(): Promise<void> {
  try {
    await apiCall("DELETE", "/admin/session");
  } finally {
    csrf.clear();
  }
}
