import type { Registry } from "prom-client";

/** What the admin page's health panel shows. */
export interface AdminHealth {
  status: "ok" | "degraded";
  version: string | null;
  uptime_seconds: number;
  started_at: string;
  store: { backend: string | null; reachable: boolean | null; error?: string };
  requests: { total: number; errors: number } | null;
}

export interface AdminHealthDeps {
  /** the Gateway's record store, for a reachability check */
  store?: { readonly backend: string; ping(): Promise<void> };
  version?: string;
  /** epoch ms when the Gateway started; defaults to when the router was made */
  startedAt?: number;
  now?: () => number;
  /** request and 5xx counts since start; if absent they are read from `metrics` */
  requestCounts?: () => { total: number; errors: number } | Promise<{ total: number; errors: number }>;
  /** the Gateway's prom-client registry */
  metrics?: Pick<Registry, "getMetricsAsJSON">;
}

/**
 * Sums a `*requests_total` counter from the registry; a 5xx status label counts as an error.
 * Works with whichever of `status`, `status_code` or `code` the Gateway uses as label name.
 */
async function countsFromMetrics(
  metrics: Pick<Registry, "getMetricsAsJSON">,
): Promise<{ total: number; errors: number } | null> {
  const all = await metrics.getMetricsAsJSON();
  const counter = all.find(
    (m) => String(m.type) === "counter" && /requests_total$/.test(m.name) && !/proxy|auth/.test(m.name),
  );
  if (!counter) return null;
  let total = 0;
  let errors = 0;
  for (const v of counter.values as Array<{ value: number; labels: Record<string, string | number> }>) {
    total += v.value;
    const status = Number(v.labels.status ?? v.labels.status_code ?? v.labels.code ?? 0);
    if (status >= 500) errors += v.value;
  }
  return { total, errors };
}

export function createHealthReporter(deps: AdminHealthDeps): () => Promise<AdminHealth> {
  const now = deps.now ?? Date.now;
  const startedAt = deps.startedAt ?? now();
  return async () => {
    const store: AdminHealth["store"] = { backend: deps.store?.backend ?? null, reachable: null };
    if (deps.store) {
      try {
        await deps.store.ping();
        store.reachable = true;
      } catch (err) {
        store.reachable = false;
        store.error = err instanceof Error ? err.message : "unreachable";
      }
    }
    let requests: AdminHealth["requests"] = null;
    if (deps.requestCounts) requests = await deps.requestCounts();
    else if (deps.metrics) requests = await countsFromMetrics(deps.metrics);
    return {
      status: store.reachable === false ? "degraded" : "ok",
      version: deps.version ?? null,
      uptime_seconds: Math.max(0, Math.floor((now() - startedAt) / 1000)),
      started_at: new Date(startedAt).toISOString(),
      store,
      requests,
    };
  };
}
