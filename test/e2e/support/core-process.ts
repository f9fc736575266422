import { spawn, type ChildProcess } from "node:child_process";

export interface CoreProcess {
  child: ChildProcess;
  /** what the Core wrote to stderr/stdout (bounded), for failure messages */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The Core as a real process (`tsx app/core/main.ts`), as `make core` runs it: the `none` tunnel,
 * loopback, a free port, registering with `gatewayUrl` under `apiKey`.
 */
export function spawnCore(options: {
  projectPath: string;
  apiKey: string;
  gatewayUrl: string;
  env?: Record<string, string>;
}): CoreProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "app/core/main.ts"], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PROJECT_PATH: options.projectPath,
      API_KEY: options.apiKey,
      GATEWAY_URL: options.gatewayUrl,
      CORE_HOST: "127.0.0.1",
      CORE_PORT: "0",
      TUNNEL: "none",
      LOG_LEVEL: "info",
      REGISTRATION_BACKOFF_BASE_MS: "100",
      REGISTRATION_BACKOFF_CAP_MS: "1000",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    if (output.length < 200_000) output += chunk.toString("utf8");
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` every 200 ms until it is true or `timeoutMs` passes (a bounded loop, not a sleep). */
export async function waitUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
