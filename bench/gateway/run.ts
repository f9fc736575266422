/**
 * Gateway proxy overhead (`make bench`): a real Core and a real Gateway (each in its own
 * process, from their factories) on loopback; the same authenticated requests straight to the
 * Core and through the Gateway, in the same run. Prints rps, p50 and p99 for both and the
 * overhead against the targets: added p50 under 0.5 ms, proxied throughput at least 50% of
 * direct. A bare proxy (plain http server + undici, nothing else) runs in the same rounds: the
 * floor any Node proxy has on this machine, printed beside the Gateway's figures.
 *
 * Added latency is measured over one connection (no queueing, so the difference is the
 * Gateway's own cost); throughput over several connections. The CPU time each process spent per
 * request is printed too: on a shared, loaded machine it moves less than wall-clock figures.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { createBenchProject } from "./fixture.js";
import { runLoad, summarise, type LoadRequest, type LoadResult, type LoadSamples } from "./load.js";
import { missedExplanation } from "../support/missed.js";
import { startService, type ServiceProcess } from "./processes.js";

const TARGET_ADDED_P50_MS = 0.5;
const TARGET_THROUGHPUT_RATIO = 0.5;
const WARM_UP_SECONDS = 2;

const HELP = `Usage: npx tsx bench/gateway/run.ts [options]

Measures the Gateway's proxy overhead against a Core on loopback.

Options:
  --duration <s>      seconds per path (direct, gateway) and concurrency (default 6, 1-120)
  --rounds <n>        the duration is split in rounds alternating direct and gateway runs,
                      so a change in machine load hits both alike (default 3, 1-10)
  --connections <n>   connections for the throughput runs (default 32, the setting the
                      throughput target was set with; 2-200)
  --log-level <lvl>   log level of Core and Gateway (default info, as deployed)
  --profile <dir>     write a CPU profile of the Gateway process (node --cpu-prof) to <dir>
  --strict            exit 1 when a target is missed (default: report only)
  -h, --help          show this help`;

interface Options {
  duration: number;
  rounds: number;
  connections: number;
  logLevel: string;
  profileDir: string | undefined;
  strict: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "6" },
      rounds: { type: "string", default: "3" },
      connections: { type: "string", default: "32" },
      "log-level": { type: "string", default: "info" },
      profile: { type: "string" },
      strict: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const int = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      console.error(`--${name}: expected a whole number from ${min} to ${max}, got "${raw}"\n\n${HELP}`);
      process.exit(2);
    }
    return n;
  };
  const duration = int("duration", values.duration, 1, 120);
  const rounds = int("rounds", values.rounds, 1, 10);
  if (duration / rounds < 1) {
    console.error(`--duration ${duration} is too short for ${rounds} rounds of at least 1 s each`);
    process.exit(2);
  }
  return {
    duration,
    rounds,
    connections: int("connections", values.connections, 2, 200),
    logLevel: values["log-level"],
    profileDir: values.profile,
    strict: values.strict,
  };
}

interface Endpoint {
  name: string;
  path: string;
  method: "GET" | "POST";
  body?: string;
}

type Path = "direct" | "gateway" | "bare";

interface Pair {
  direct: LoadResult;
  gateway: LoadResult;
  /** the bare proxy: what a Node proxy costs at the least */
  bare: LoadResult;
  /** CPU the Gateway process spent per proxied request: a figure machine load disturbs less */
  gatewayCpuMicrosPerRequest: number;
  /** CPU the Core process spent per request, straight and through the Gateway */
  coreCpuMicrosPerRequest: Record<Path, number>;
}

interface Comparison {
  endpoint: Endpoint;
  latency: Pair;
  throughput: Pair;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const project = createBenchProject();
  const dataDir = mkdtempSync(join(tmpdir(), "cq-bench-gateway-"));
  const adminKey = randomBytes(32).toString("base64url");
  const services: ServiceProcess[] = [];
  try {
    console.log(
      `Gateway bench: ${cpus().length} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    const gateway = await startService(
      "./serve-gateway.ts",
      {
        GATEWAY_HOST: "127.0.0.1",
        GATEWAY_PORT: "0",
        STORE: "file",
        DATA_DIR: dataDir,
        ADMIN_API_KEY: adminKey,
        KEY_PEPPER: randomBytes(32).toString("base64url"),
        ALLOW_INSECURE_TUNNELS: "true",
        MAX_RPM: "1000000",
        // One key carries all the load here: its in-flight cap must not be what is measured.
        PROXY_MAX_CONCURRENT_PER_KEY: "10000",
        PROXY_MAX_CONCURRENT: "10000",
        LOG_LEVEL: options.logLevel,
      },
      options.profileDir ? ["--cpu-prof", "--cpu-prof-dir", options.profileDir] : [],
    );
    services.push(gateway);
    const apiKey = await generateKey(gateway.url, adminKey);

    const core = await startService("./serve-core.ts", {
      PROJECT_PATH: project.root,
      CORE_HOST: "127.0.0.1",
      CORE_PORT: "0",
      API_KEY: apiKey,
      TUNNEL: "none",
      GATEWAY_URL: gateway.url,
      LOG_LEVEL: options.logLevel,
    });
    services.push(core);
    const bare = await startService("./serve-bare-proxy.ts", { CORE_URL: core.url });
    services.push(bare);
    await waitUntilProxied(gateway.url, apiKey);
    console.log(`Core ${core.url} registered with Gateway ${gateway.url}\n`);

    const endpoints: Endpoint[] = [
      { name: "GET /files/structure", path: "/files/structure", method: "GET" },
      {
        name: "POST /files/content",
        path: "/files/content",
        method: "POST",
        body: JSON.stringify({ file_paths: project.contentPaths }),
      },
    ];
    const results: Comparison[] = [];
    for (const endpoint of endpoints) {
      const request = (base: string): LoadRequest => ({
        url: `${base}${endpoint.path}`,
        method: endpoint.method,
        headers: { "x-api-key": apiKey, ...(endpoint.body ? { "content-type": "application/json" } : {}) },
        body: endpoint.body,
      });
      const measure = async (connections: number) => {
        process.stdout.write(`  ${endpoint.name}, ${connections} connection(s): `);
        const seconds = Math.floor(options.duration / options.rounds);
        const runs: Record<Path, LoadSamples[]> = { direct: [], gateway: [], bare: [] };
        let gatewayCpuMicros = 0;
        const coreCpuMicros: Record<Path, number> = { direct: 0, gateway: 0, bare: 0 };
        const paths: Path[] = ["direct", "gateway", "bare"];
        const base: Record<Path, string> = { direct: core.url, gateway: gateway.url, bare: bare.url };
        for (let round = 0; round < options.rounds; round++) {
          // A different path first in each round: none always runs first after a change of load.
          const order = paths.map((_, i) => paths[(i + round) % paths.length]!);
          for (const path of order) {
            const cpuBefore = path === "gateway" ? await gateway.cpuMicros() : 0;
            const coreCpuBefore = await core.cpuMicros();
            runs[path].push(await runLoad(request(base[path]), connections, seconds));
            if (path === "gateway") gatewayCpuMicros += (await gateway.cpuMicros()) - cpuBefore;
            coreCpuMicros[path] += (await core.cpuMicros()) - coreCpuBefore;
          }
          process.stdout.write(".");
        }
        process.stdout.write(" done\n");
        const viaGateway = summarise(runs.gateway);
        const direct = summarise(runs.direct);
        const viaBare = summarise(runs.bare);
        return {
          direct,
          bare: viaBare,
          coreCpuMicrosPerRequest: {
            direct: coreCpuMicros.direct / Math.max(1, direct.requests),
            gateway: coreCpuMicros.gateway / Math.max(1, viaGateway.requests),
            bare: coreCpuMicros.bare / Math.max(1, viaBare.requests),
          },
          gateway: viaGateway,
          gatewayCpuMicrosPerRequest: gatewayCpuMicros / Math.max(1, viaGateway.requests),
        };
      };
      // Warm both paths (lazy module loading, JIT, caches, pooled connections) before measuring.
      for (const url of [core.url, gateway.url, bare.url])
        await runLoad(request(url), options.connections, WARM_UP_SECONDS);
      results.push({ endpoint, latency: await measure(1), throughput: await measure(options.connections) });
    }
    const allMet = report(results, options);
    const failures = results
      .flatMap((r) => [r.latency, r.throughput])
      .flatMap((p) => [p.direct, p.gateway, p.bare]);
    if (failures.some((r) => r.failures > 0)) {
      console.error("\nSome requests failed (non-2xx, errors or timeouts): the figures above are suspect.");
      process.exitCode = 1;
    } else if (options.strict && !allMet) {
      process.exitCode = 1;
    }
  } finally {
    for (const service of services.reverse()) await service.stop();
    project.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function generateKey(gatewayUrl: string, adminKey: string): Promise<string> {
  const res = await fetch(`${gatewayUrl}/api-keys/generate`, {
    method: "POST",
    headers: { "x-api-key": adminKey, "content-type": "application/json" },
    body: JSON.stringify({ requests_per_minute: 1_000_000, expiration_days: 1, label: "bench" }),
  });
  const body = (await res.json()) as { api_key?: string; detail?: string };
  if (!res.ok || !body.api_key)
    throw new Error(`generating the bench key failed: ${res.status} ${body.detail ?? ""}`);
  return body.api_key;
}

/** The Core registers itself in the background; wait until a proxied request succeeds. */
async function waitUntilProxied(gatewayUrl: string, apiKey: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = "";
  while (Date.now() < deadline) {
    const res = await fetch(`${gatewayUrl}/files/structure`, { headers: { "x-api-key": apiKey } });
    await res.body?.cancel();
    if (res.ok) return;
    last = `${res.status}`;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the Core did not become reachable through the Gateway within 30 s (last answer: ${last})`);
}

function report(results: Comparison[], options: Options): boolean {
  const ms = (v: number) => v.toFixed(3);
  const table = new Table({
    head: [
      "endpoint",
      "conns",
      "path",
      "rps",
      "p50 ms",
      "p99 ms",
      "requests",
      "failed",
      "Core CPU/req",
      "Gateway CPU/req",
    ],
    style: process.env.NO_COLOR || !process.stdout.isTTY ? { head: [], border: [] } : { head: ["cyan"] },
  });
  for (const r of results) {
    for (const [conns, pair] of [
      [1, r.latency],
      [options.connections, r.throughput],
    ] as const) {
      for (const [label, result] of [
        ["direct", pair.direct],
        ["gateway", pair.gateway],
        ["bare proxy", pair.bare],
      ] as const) {
        table.push([
          r.endpoint.name,
          conns,
          label,
          Math.round(result.rps),
          ms(result.p50),
          ms(result.p99),
          result.requests,
          result.failures,
          `${Math.round(pair.coreCpuMicrosPerRequest[label === "bare proxy" ? "bare" : label])} µs`,
          label === "gateway" ? `${Math.round(pair.gatewayCpuMicrosPerRequest)} µs` : "",
        ]);
      }
    }
  }
  console.log(`\n${table.toString()}\n`);
  console.log(
    `Machine load average after the runs: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (${cpus().length} CPUs)\n`,
  );

  let allMet = true;
  for (const r of results) {
    const added = r.latency.gateway.p50 - r.latency.direct.p50;
    const ratio = r.throughput.gateway.rps / r.throughput.direct.rps;
    const floor = r.throughput.bare.rps / r.throughput.direct.rps;
    const bareAdded = r.latency.bare.p50 - r.latency.direct.p50;
    const latencyMet = added < TARGET_ADDED_P50_MS;
    const throughputMet = ratio >= TARGET_THROUGHPUT_RATIO;
    allMet &&= latencyMet && throughputMet;
    console.log(
      `${r.endpoint.name}: added p50 ${ms(added)} ms (1 conn; target < ${TARGET_ADDED_P50_MS} ms) ${latencyMet ? "MET" : "MISSED"}; ` +
        `throughput ${(ratio * 100).toFixed(1)}% of direct (${options.connections} conns; target >= ${TARGET_THROUGHPUT_RATIO * 100}%) ${throughputMet ? "MET" : "MISSED"}; ` +
        `bare-proxy floor: ${(floor * 100).toFixed(1)}% of direct, added p50 ${ms(bareAdded)} ms; ` +
        // Steadier than either ratio on a shared machine: both proxies meet the same neighbours.
        `Gateway at ${((ratio / floor) * 100).toFixed(1)}% of the bare proxy's throughput`,
    );
  }
  if (!allMet) console.log(`\n${missedExplanation("docs/gateway.md#benchmark")} (--strict fails on it)`);
  return allMet;
}

main().catch((err: unknown) => {
  console.error(`bench/gateway: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
