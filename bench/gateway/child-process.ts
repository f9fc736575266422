/** Shared by the benchmark's child processes (serve-core.ts, serve-gateway.ts). */
export async function serveUntilParentLeaves(url: string, close: () => Promise<void>): Promise<void> {
  if (!process.send) throw new Error("run this file through bench/gateway/run.ts (it needs an IPC channel)");
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
  process.send({ url });
}
