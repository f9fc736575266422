import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CpuAnswer, CpuQuery } from "./child-process.js";

export interface ServiceProcess {
  url: string;
  /** CPU time the process has used so far (user + system), microseconds */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Runs `script` (a .ts file beside this one) in its own Node process through tsx, so load
 * generator, Gateway and Core do not share one event loop, and waits for it to report its URL.
 * Its stdout (request logs) is discarded; its stderr is kept to explain a failed start.
 */
export function startService(
  script: string,
  env: Record<string, string>,
  nodeOptions: string[] = [],
): Promise<ServiceProcess> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = fork(path, [], {
    execArgv: ["--import", "tsx", ...nodeOptions],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", ...env },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not start within ${STARTUP_TIMEOUT_MS / 1000} s\n${stderr}`));
    }, STARTUP_TIMEOUT_MS);
    child.once("message", (message: { url?: string }) => {
      clearTimeout(timer);
      if (typeof message?.url !== "string") {
        child.kill("SIGKILL");
        reject(new Error(`${script} sent an unexpected message`));
        return;
      }
      resolve({ url: message.url, cpuMicros: () => askCpu(child), stop: () => stopChild(child) });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code} before it was ready\n${stderr}`));
    });
  });
}

let nextQuery = 0;

function askCpu(child: ChildProcess): Promise<number> {
  const id = ++nextQuery;
  return new Promise((resolve, reject) => {
    const onMessage = (message: CpuAnswer) => {
      if (message?.type !== "cpu" || message.id !== id) return;
      child.off("message", onMessage);
      resolve(message.micros);
    };
    child.on("message", onMessage);
    if (!child.send({ type: "cpu", id } satisfies CpuQuery)) reject(new Error("the service process is gone"));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
