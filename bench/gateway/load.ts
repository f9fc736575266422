import autocannon from "autocannon";

export interface LoadRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** completed 2xx requests per second, averaged over the run */
  rps: number;
  /** milliseconds, from per-request timings (sub-millisecond resolution) */
  p50: number;
  p99: number;
  requests: number;
  /** non-2xx answers, socket errors and timeouts: any of them makes the figures suspect */
  failures: number;
}

/**
 * Drives `request` with autocannon for `durationSeconds` over `connections` keep-alive
 * connections. Latency percentiles come from autocannon's per-response timings rather than its
 * histogram, which only resolves whole milliseconds — too coarse for a sub-millisecond budget.
 */
export function runLoad(
  request: LoadRequest,
  connections: number,
  durationSeconds: number,
): Promise<LoadResult> {
  const samples: number[] = [];
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
        if (err) {
          reject(err);
          return;
        }
        samples.sort((a, b) => a - b);
        resolve({
          rps: result.requests.average,
          p50: percentile(samples, 0.5),
          p99: percentile(samples, 0.99),
          requests: result["2xx"],
          failures: result.non2xx + result.errors + result.timeouts,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
    });
  });
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}
