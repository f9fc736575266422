import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** Finds a free TCP port on loopback by binding port 0 and releasing it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface MotoServer {
  url: string;
  stop(): Promise<void>;
}

/** moto_server with one lock around writes, so conditional writes are atomic as on AWS (see the script). */
export const MOTO_SERVER_SCRIPT = fileURLToPath(new URL("./moto_server.py", import.meta.url));

/** Starts the AWS emulator (moto, through `moto_server.py`) on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn("python3", [MOTO_SERVER_SCRIPT, "127.0.0.1", String(port)], {
    stdio: "ignore",
  });
  let exited = false;
  child.on("exit", () => (exited = true));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited)
      throw new Error("the AWS emulator exited at start-up: is moto installed (pip install 'moto[server]')?");
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.ok || res.status < 500) break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  if (Date.now() >= deadline) throw new Error(`moto_server did not answer on ${url} within 30 s`);
  return {
    url,
    async stop() {
      if (exited) return;
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** Environment that points the AWS SDK at the emulator with dummy credentials. */
export function awsTestEnv(): Record<string, string> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error("AWS_ENDPOINT_URL is not set: the vitest global setup starts moto_server");
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: process.env.AWS_REGION ?? "us-east-1",
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? "testing",
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? "testing",
  };
}
