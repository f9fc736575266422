import { apiCall } from "./api.js";
import { badge, byId, cell, el, when } from "./dom.js";

interface AuditEntry {
  time?: string;
  actor?: string;
  action?: string;
  target?: string | null;
  outcome?: string;
  source_ip?: string | null;
}

/** `GET /audit` may answer a list or an object holding one (`records`, `entries`, `items`). */
function toEntries(answer: unknown): AuditEntry[] {
  if (Array.isArray(answer)) return answer as AuditEntry[];
  if (answer && typeof answer === "object") {
    for (const field of ["records", "entries", "items", "audit"]) {
      const list = (answer as Record<string, unknown>)[field];
      if (Array.isArray(list)) return list as AuditEntry[];
    }
  }
  return [];
}

export function createAuditView(run: (action: () => Promise<void>) => Promise<void>) {
  const tbody = byId<HTMLTableElement>("audit").tBodies[0]!;
  const form = byId<HTMLFormElement>("audit-form");

  const render = (entries: AuditEntry[]) => {
    // Newest first, whatever order the sink returned.
    const sorted = [...entries].sort((a, b) => (b.time ?? "").localeCompare(a.time ?? ""));
    tbody.replaceChildren();
    if (sorted.length === 0) {
      const td = el("td", { className: "empty", text: "No audit records match." });
      td.colSpan = 6;
      tbody.append(el("tr", {}, [td]));
      return;
    }
    for (const e of sorted) {
      tbody.append(
        el("tr", {}, [
          cell("Time", when(e.time)),
          cell("Actor", e.actor ?? "—"),
          cell("Action", el("code", { text: e.action ?? "—" })),
          cell("Target", e.target ?? "—"),
          cell("Outcome", badge(e.outcome ?? "unknown")),
          cell("Source IP", e.source_ip ?? "—"),
        ]),
      );
    }
  };

  const load = async () => {
    const data = new FormData(form);
    const query = new URLSearchParams({ limit: "200" });
    const keyId = String(data.get("key_id") ?? "").trim();
    const action = String(data.get("action") ?? "").trim();
    if (keyId) query.set("key_id", keyId);
    if (action) query.set("action", action);
    render(toEntries(await apiCall<unknown>("GET", `/audit?${query.toString()}`)));
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void run(load);
  });

  return { load };
}
