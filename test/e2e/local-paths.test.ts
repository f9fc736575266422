/**
 * The local paths a newcomer walks, run as they run them: real `make`, real processes, in a
 * checkout of their own (a temp directory whose entries link to this repository's, without its
 * .env and .data). Each failure a user can cause here is one line that says what to do.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/moto.js";
import { REPO_ROOT } from "../support/service-process.js";

const LOCAL_ONLY = new Set([".env", ".env.backup", ".data", ".git", "node_modules"]);

function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), "cq-newcomer-"));
  for (const entry of readdirSync(REPO_ROOT))
    if (!LOCAL_ONLY.has(entry)) symlinkSync(join(REPO_ROOT, entry), join(dir, entry));
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...extra };
  return env;
}

/** `make <args>` in `cwd`; -o keeps make from reinstalling the shared node_modules. */
function make(cwd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess & { output: () => string } {
  const child = spawn("make", ["--no-print-directory", "-o", "node_modules/.install-stamp", ...args], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so stop() ends make and everything it started
  });
  let text = "";
  child.stdout.on("data", (c: Buffer) => (text += c.toString()));
  child.stderr.on("data", (c: Buffer) => (text += c.toString()));
  return Object.assign(child, { output: () => text });
}

async function finished(child: ChildProcess & { output: () => string }) {
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  return { code, output: child.output() };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid!, "SIGTERM");
  await exited;
  // make exits before the services it started have finished shutting down (and writing their
  // last state under .data/): wait until nothing of its process group is left.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && groupAlive(child.pid!)) await new Promise((r) => setTimeout(r, 50));
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, probe: () => Promise<boolean> | boolean, log: () => string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await Promise.resolve(probe()).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within 60 s:\n${log()}`);
}

const dotenvValue = (text: string, name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(text)?.[1] ?? "";

describe("make init → make gateway → make core", { timeout: 120_000 }, () => {
  let dir: string;
  let gateway: ReturnType<typeof make> | undefined;
  let core: ReturnType<typeof make> | undefined;
  beforeAll(() => {
    dir = checkout();
  });
  afterAll(async () => {
    await stop(core);
    await stop(gateway);
    // make is gone at once; the Node process it started may still be writing its store for a moment.
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  });

  it("registers the Core with the local Gateway the first time", async () => {
    const init = await finished(make(dir, ["init", "YES=1"], userEnv({ CI: "true" })));
    expect(init.code, init.output).toBe(0);
    const dotenv = readFileSync(join(dir, ".env"), "utf8");
    const apiKey = dotenvValue(dotenv, "API_KEY");
    expect(apiKey).toMatch(/^cq_[a-z0-9]{12}_/);

    const [gatewayPort, corePort] = [await freePort(), await freePort()];
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const ports = { GATEWAY_PORT: String(gatewayPort), GATEWAY_URL: gatewayUrl, CORE_PORT: String(corePort) };
    gateway = make(dir, ["gateway"], userEnv(ports));
    core = make(dir, ["core"], userEnv(ports));
    const registered = async () =>
      (await fetch(`${gatewayUrl}/ngrok-urls/self`, { headers: { "X-API-KEY": apiKey } })).status === 200;
    await waitFor("registration", registered, () => gateway!.output() + core!.output());
  });
});

describe("make dev and the tools around it", { timeout: 120_000 }, () => {
  let dir: string;
  let project: string;
  let dev: ReturnType<typeof make> | undefined;
  let gatewayPort: number;
  beforeAll(async () => {
    dir = checkout();
    project = mkdtempSync(join(tmpdir(), "cq-newcomer-project-"));
    writeFileSync(join(project, "HELLO.md"), "hello\n");
    gatewayPort = await freePort();
  });
  afterAll(async () => {
    await stop(dev);
    // make is gone at once; the Node process it started may still be writing its store for a moment.
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    rmSync(project, { recursive: true, force: true });
  });
  const devEnv = () =>
    userEnv({ GATEWAY_PORT: String(gatewayPort), GATEWAY_URL: `http://127.0.0.1:${gatewayPort}` });

  it("serves PROJECT=<dir> and says where the project came from", async () => {
    dev = make(
      dir,
      ["dev", `PROJECT=${project}`],
      userEnv({ GATEWAY_PORT: String(gatewayPort), CORE_PORT: String(await freePort()) }),
    );
    await waitFor(
      "make dev",
      () => dev!.output().includes("Ctrl-C stops both"),
      () => dev!.output(),
    );
    expect(dev.output()).toContain(`(project: ${project}, PROJECT / --project)`);
  });

  it("make api-keys finds the make dev Gateway's admin key and says so", async () => {
    const listed = await finished(make(dir, ["api-keys", "CMD=list"], devEnv()));
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output).toContain(
      `admin key: .data/dev/secrets.json (the make dev Gateway at http://127.0.0.1:${gatewayPort})`,
    );
    expect(listed.output).toMatch(/1 key\(s\) via the Gateway/);
  });

  it("make api-keys names the valid commands when given an unknown one", async () => {
    const typo = await finished(make(dir, ["api-keys", "CMD=lsit"], devEnv()));
    expect(typo.code).not.toBe(0);
    expect(typo.output).toContain(
      '✖ api-keys: unknown command "lsit" (did you mean list?); the commands are create, list, show, rotate, revoke, restore, purge (make api-keys CMD=list)',
    );
  });

  it("a second make dev says the port is taken, and stops nothing", async () => {
    const second = await finished(make(dir, ["dev"], devEnv()));
    expect(second.code).not.toBe(0);
    expect(second.output).toContain(
      `dev: 127.0.0.1:${gatewayPort} is already in use: is \`make dev\` (or another copy) already running? Stop it, or set GATEWAY_PORT=<a free port>`,
    );
    expect(second.output).not.toContain("stopping Core and Gateway");
    expect(second.output).not.toMatch(/^\s+at /m);
  });

  it("a damaged .data/dev/secrets.json is one line saying how to start over", async () => {
    await stop(dev);
    writeFileSync(join(dir, ".data", "dev", "secrets.json"), "{not json");
    const damaged = await finished(make(dir, ["dev"], devEnv()));
    expect(damaged.code).not.toBe(0);
    expect(damaged.output.trim().split("\n")).toContain(
      "dev: .data/dev/secrets.json is damaged (not the JSON make dev wrote): delete .data/dev/ and run make dev again (it makes new local keys)",
    );
    expect(damaged.output).not.toContain("SyntaxError");
  });

  it("PROJECT_PATH in .env is what make dev serves, and a misspelt name there is refused", async () => {
    mkdirSync(join(dir, "empty"), { recursive: true });
    rmSync(join(dir, ".data"), { recursive: true, force: true });
    writeFileSync(join(dir, ".env"), `PROJCT_PATH=${project}\n`);
    const typo = await finished(make(dir, ["dev"], devEnv()));
    expect(typo.output).toContain("dev: .env: not a setting: PROJCT_PATH (did you mean PROJECT_PATH?)");
    writeFileSync(join(dir, ".env"), `PROJECT_PATH=${project}\n`);
    dev = make(
      dir,
      ["dev"],
      userEnv({ GATEWAY_PORT: String(gatewayPort), CORE_PORT: String(await freePort()) }),
    );
    await waitFor(
      "make dev",
      () => dev!.output().includes("Ctrl-C stops both"),
      () => dev!.output(),
    );
    expect(dev.output()).toContain(`(project: ${project}, PROJECT_PATH from .env)`);
  });
});
