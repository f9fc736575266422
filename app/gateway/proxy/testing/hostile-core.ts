import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface HostileCore {
  url: string;
  stop(): Promise<void>;
}

/** Starts hostile-core-process.ts in its own Node process and waits for its URL. */
export async function startHostileCore(): Promise<HostileCore> {
  const script = fileURLToPath(new URL("./hostile-core-process.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    // The child watches its stdin: when this process dies without stop(), the pipe closes and it exits.
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const match = /"url":"([^"]+)"/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`hostile Core exited with ${code}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}
