/** Shared by the benchmark's child processes (serve-core.ts, serve-gateway.ts). */

/** Asks a child for the CPU time it has used so far (user + system, microseconds). */
export interface CpuQuery {
  type: "cpu";
  id: number;
}

export interface CpuAnswer {
  type: "cpu";
  id: number;
  micros: number;
}

/**
 * Tells the parent `url` once listening, answers its CPU-time queries, and closes the service
 * when the parent disconnects or sends SIGTERM.
 */
export async function serveUntilParentLeaves(url: string, close: () => Promise<void>): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error("run this file through bench/gateway/run.ts (it needs an IPC channel)");
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    close()
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("disconnect", stop);
  process.on("message", (message: CpuQuery) => {
    if (message?.type !== "cpu") return;
    const { user, system } = process.cpuUsage();
    send({ type: "cpu", id: message.id, micros: user + system } satisfies CpuAnswer);
  });
  send({ url });
}
