/** Where a service was asked to listen, and the settings that choose it (named in the advice). */
export interface ListenTarget {
  host: string;
  port: number;
  hostSetting: string;
  portSetting: string;
}

/**
 * One line saying why a service could not start listening and what to do, for the errors a
 * user causes (a port in use, a privileged port, an address this machine does not have).
 * Anything else keeps its own message.
 */
export function describeListenError(err: unknown, target: ListenTarget): string {
  const code = (err as { code?: unknown })?.code;
  const where = `${target.host}:${target.port}`;
  if (code === "EADDRINUSE")
    return `${where} is already in use: is \`make dev\` (or another copy) already running? Stop it, or set ${target.portSetting}=<a free port>`;
  if (code === "EACCES")
    return `not allowed to listen on ${where} (ports below 1024 need privileges): set ${target.portSetting}=<a port above 1023>`;
  if (code === "EADDRNOTAVAIL")
    return `${target.host} is not an address of this machine: set ${target.hostSetting}=127.0.0.1 (or one of its addresses)`;
  return err instanceof Error ? err.message.split("\n")[0]! : String(err);
}
