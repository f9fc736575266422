import { apiCall } from "./api.js";
import { badge, byId, duration, el } from "./dom.js";

interface Health {
  status?: string;
  version?: string | null;
  uptime_seconds?: number;
  store?: { backend?: string | null; reachable?: boolean | null; error?: string };
  requests?: { total: number; errors: number } | null;
}

function item(label: string, value: Node | string): HTMLDivElement {
  return el("div", {}, [el("dt", { text: label }), el("dd", {}, [value])]);
}

export function createHealthView() {
  const list = byId("health");
  return {
    async load(): Promise<void> {
      const h = await apiCall<Health>("GET", "/admin/api/health");
      const reachable = h.store?.reachable;
      const storeBadge =
        reachable === true
          ? badge("reachable", "yes")
          : reachable === false
            ? badge("unreachable", "no")
            : badge("unknown");
      list.replaceChildren(
        item("Status", badge(h.status ?? "unknown", h.status === "ok" ? "yes" : "no")),
        item(`Store${h.store?.backend ? ` (${h.store.backend})` : ""}`, storeBadge),
        item("Uptime", h.uptime_seconds === undefined ? "—" : duration(h.uptime_seconds)),
        item("Version", h.version ?? "—"),
        item("Requests", h.requests ? String(h.requests.total) : "—"),
        item("Errors (5xx)", h.requests ? String(h.requests.errors) : "—"),
      );
    },
  };
}
