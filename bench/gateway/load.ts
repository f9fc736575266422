import autocannon from "autocannon";

export interface LoadRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

/** What one or more autocannon runs against the same request measured. */
export interface LoadSamples {
  /** response times of the 2xx answers, milliseconds */
  latencies: number[];
  /** 2xx answers */
  requests: number;
  /** non-2xx answers, socket errors and timeouts: any of them makes the figures suspect */
  failures: number;
  seconds: number;
}

export interface LoadResult {
  /** 2xx answers per second over all runs */
  rps: number;
  /** milliseconds, sub-millisecond resolution */
  p50: number;
  p99: number;
  requests: number;
  failures: number;
}

/**
 * Drives `request` with autocannon for `durationSeconds` over `connections` keep-alive
 * connections. Latencies come from autocannon's per-response timings rather than its
 * histogram, which only resolves whole milliseconds — too coarse for a sub-millisecond budget.
 */
export function runLoad(
  request: LoadRequest,
  connections: number,
  durationSeconds: number,
): Promise<LoadSamples> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: request.url,
        method: request.method,
        headers: request.headers,
        body: request.body,
        connections,
        duration: durationSeconds,
        timeout: 10,
      },
      (err, result) => {
        if (err) reject(err);
        else
          resolve({
            latencies,
            requests: result["2xx"],
            failures: result.non2xx + result.errors + result.timeouts,
            seconds: result.duration,
          });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

/** Merges the runs of one request (e.g. interleaved rounds) into its figures. */
export function summarise(runs: LoadSamples[]): LoadResult {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  return {
    rps: seconds > 0 ? requests / seconds : 0,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    requests,
    failures: runs.reduce((n, r) => n + r.failures, 0),
  };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}
