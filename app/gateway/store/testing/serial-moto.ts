/**
 * A private moto_server that answers one request at a time (imported by *.test.ts only).
 *
 * The shared moto_server is threaded and does not serialize conditional writes: two S3 puts with
 * the same If-Match, or two DynamoDB conditional updates of one item, can both succeed — which
 * AWS never allows. Tests that race writers on purpose run against this serial emulator, so they
 * test our protocol on a backend with AWS's atomicity. (Non-threaded werkzeug speaks HTTP/1.0 and
 * closes each connection, so an idle client cannot block the others.)
 */
import { spawn } from "node:child_process";
import { freePort, type MotoServer } from "../../../../test/support/moto.js";

const SERVE = `
import os, sys
port = int(sys.argv[1])
os.environ["MOTO_PORT"] = str(port)
from werkzeug.serving import run_simple
from moto.server import DomainDispatcherApplication, create_backend_app
run_simple("127.0.0.1", port, DomainDispatcherApplication(create_backend_app), threaded=False)
`;

export async function startSerialMoto(): Promise<MotoServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn("python3", ["-c", SERVE, String(port)], { stdio: "ignore" });
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = async () => {
    if (exited) return;
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error("serial moto_server exited at start-up");
    const ok = await fetch(`${url}/moto-api/`).then(
      (res) => res.status < 500,
      () => false,
    );
    if (ok) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`serial moto_server did not answer on ${url} within 30 s`);
}
