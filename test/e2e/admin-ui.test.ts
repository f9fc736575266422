import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { launchChromium, SCREENSHOTS } from "./support/browser.js";
import { spawnCore, waitUntil, type CoreProcess } from "./support/core-process.js";
import { http, startLocalGateway, type LocalGateway } from "./support/local-gateway.js";

let gw: LocalGateway;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;
let page: Page;
let core: CoreProcess | undefined;
let project: string | undefined;
const pageErrors: string[] = [];

const shot = (name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `admin-${name}.png`), fullPage: true });
const message = () => page.locator("#message");
const row = (keyId: string) => page.locator(`#keys tbody tr[data-key-id="${keyId}"]`);
const statusOf = (keyId: string) => row(keyId).locator("td[data-label=Status] .badge");
const self = (key: string) => http(`${gw.url}/api-keys/self`, { key });

async function signIn(key: string) {
  await page.fill("#admin-key", key);
  await page.click("#sign-in-form button[type=submit]");
}

beforeAll(async () => {
  gw = await startLocalGateway();
  browser = await launchChromium();
  context = browser.context;
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gw.url });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  // A CSP violation or a script error shows up here: the page must run clean.
  page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
  page.on("pageerror", (e) => pageErrors.push(e.message));
}, 180_000);

afterAll(async () => {
  await core?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
  await browser?.close();
  await gw?.close();
});

describe("admin page in Chromium", { timeout: 180_000 }, () => {
  let keyId = "";
  let firstKey = "";
  let rotatedKey = "";

  it("refuses a wrong admin key with a readable message", async () => {
    await page.goto(`${gw.url}/admin`);
    await expect.poll(() => page.isVisible("#sign-in")).toBe(true);
    await signIn("not-the-admin-key");
    await expect.poll(() => message().textContent()).toBe("Wrong admin key");
    expect(await page.isVisible("#console")).toBe(false);
    await shot("sign-in-refused");
  });

  it("signs in with the admin key and shows health", async () => {
    await signIn(gw.adminKey);
    await page.waitForSelector("#console:not([hidden])");
    await expect.poll(() => page.locator("#health").textContent()).toContain("reachable");
    expect(await page.locator("#health").textContent()).toMatch(/Store \(file\)/);
    const cookies = await context.cookies(gw.url);
    const session = cookies.find((c) => c.name === "cq_admin_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
  });

  it("creates a key, shows it once with a copy button, and the key works", async () => {
    await page.fill("#create-form input[name=label]", "browser test");
    await page.fill("#create-form input[name=requests_per_minute]", "30");
    await page.click("#create-form button[type=submit]");
    await page.waitForSelector("#new-key:not([hidden])");
    firstKey = (await page.textContent("#new-key-value")) ?? "";
    expect(firstKey).toMatch(/^cq_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    keyId = firstKey.split("_")[1]!;
    await page.click("#copy-key");
    await expect.poll(() => page.textContent("#copy-key")).toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(firstKey);
    await expect.poll(() => statusOf(keyId).textContent()).toBe("active");
    expect(await row(keyId).locator("td[data-label='Rate limit']").textContent()).toBe("30/min");
    await shot("key-created");
    const answer = await self(firstKey);
    expect(answer.status).toBe(200);
    expect(answer.body.key_id).toBe(keyId);
    await page.click("#dismiss-key");
    expect(await page.isVisible("#new-key")).toBe(false);
  });

  it("shows whether the key's Core is registered and answering", async () => {
    expect(await row(keyId).locator("td[data-label=Core]").textContent()).toBe("not registered");
    project = mkdtempSync(join(tmpdir(), "cq-admin-ui-project-"));
    writeFileSync(join(project, "README.md"), "# admin ui\n");
    core = spawnCore({ projectPath: project, apiKey: firstKey, gatewayUrl: gw.url });
    // Polled with the admin key, which has no rate limit: the key's 30/min is for the steps below.
    await waitUntil(
      async () => (await http(`${gw.url}/ngrok-urls/${keyId}`, { key: gw.adminKey })).status === 200,
      90_000,
      "Core registration",
    );
    await page.click("#refresh");
    // the Gateway asks the Core's health route through its guarded connector
    await expect.poll(() => row(keyId).locator("td[data-label=Core]").textContent()).toBe("answering");
  });

  it("rotates the key: the new key works and the old one is in its grace period", async () => {
    await row(keyId).getByRole("button", { name: "Rotate" }).click();
    await expect.poll(() => page.textContent("#new-key-value")).toMatch(new RegExp(`^cq_${keyId}_`));
    rotatedKey = (await page.textContent("#new-key-value")) ?? "";
    expect(rotatedKey).not.toBe(firstKey);
    await expect.poll(() => statusOf(keyId).textContent()).toBe("rotating");
    expect((await self(rotatedKey)).status).toBe(200);
    expect((await self(firstKey)).status).toBe(200);
    await page.click("#dismiss-key");
  });

  it("revokes the key: the Gateway refuses it", async () => {
    await row(keyId).getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => statusOf(keyId).textContent()).toBe("revoked");
    expect((await self(rotatedKey)).status).toBe(401);
    await shot("key-revoked");
  });

  it("restores the key: it works again", async () => {
    await row(keyId).getByRole("button", { name: "Restore" }).click();
    await expect.poll(() => statusOf(keyId).textContent()).not.toBe("revoked");
    expect((await self(rotatedKey)).status).toBe(200);
  });

  it("purges the key only after its id is typed", async () => {
    await row(keyId).getByRole("button", { name: "Purge" }).click();
    await page.waitForSelector("#purge-dialog[open]");
    await page.fill("#purge-confirm", "wrong-id");
    expect(await page.isDisabled("#purge-submit")).toBe(true);
    await page.fill("#purge-confirm", keyId);
    expect(await page.isDisabled("#purge-submit")).toBe(false);
    await shot("purge-confirm");
    await page.click("#purge-submit");
    await expect.poll(() => row(keyId).count()).toBe(0);
    await expect.poll(() => message().textContent()).toBe(`Key ${keyId} purged`);
    expect((await self(rotatedKey)).status).toBe(401);
  });

  it("shows each action in the audit view, newest first, filtered by key id and action", async () => {
    await page.fill("#audit-form input[name=key_id]", keyId);
    await page.click("#audit-form button[type=submit]");
    const actions = async () => page.locator("#audit tbody td[data-label=Action]").allTextContents();
    // Between them sit the refusals of the revoked and purged key (auth.failure).
    const keyActions = async () => (await actions()).filter((a) => a.startsWith("key."));
    await expect
      .poll(keyActions)
      .toEqual(["key.purge", "key.restore", "key.revoke", "key.rotate", "key.generate"]);
    expect(await actions()).toContain("auth.failure");
    await page.fill("#audit-form input[name=action]", "key.revoke");
    await page.click("#audit-form button[type=submit]");
    await expect.poll(actions).toEqual(["key.revoke"]);
    await page.fill("#audit-form input[name=key_id]", "");
    await page.fill("#audit-form input[name=action]", "admin.sign_in");
    await page.click("#audit-form button[type=submit]");
    const outcomes = async () =>
      [...new Set(await page.locator("#audit tbody td[data-label=Outcome]").allTextContents())].sort();
    // the wrong key at the start, then the right one
    await expect.poll(outcomes).toEqual(["failure", "success"]);
    expect(new Set(await actions())).toEqual(new Set(["admin.sign_in"]));
    await page.fill("#audit-form input[name=action]", "");
    await page.click("#audit-form button[type=submit]");
    await shot("desktop");
  });

  it("shows the API's error message when an action fails", async () => {
    await page.fill("#create-form input[name=expiration_days]", "999999");
    await page.click("#create-form button[type=submit]");
    await expect.poll(() => message().getAttribute("class")).toBe("message error");
    expect(await message().textContent()).toMatch(/expiration_days/);
  });

  it("fits a phone screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.fill("#create-form input[name=expiration_days]", "");
    await page.fill("#create-form input[name=label]", "phone");
    await page.click("#create-form button[type=submit]");
    await page.waitForSelector("#new-key:not([hidden])");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot("phone");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("signs out: the session no longer works", async () => {
    const csrf = await page.evaluate(() => sessionStorage.getItem("cq_admin_csrf"));
    const cookie = (await context.cookies(gw.url)).find((c) => c.name === "cq_admin_session")!;
    await page.click("#sign-out");
    await page.waitForSelector("#sign-in:not([hidden])");
    const after = await http(`${gw.url}/api-keys`, {
      headers: { cookie: `${cookie.name}=${cookie.value}`, "x-csrf-token": csrf ?? "" },
    });
    expect(after.status).toBe(401);
    expect(pageErrors.filter((e) => !/status of 40[01]/.test(e))).toEqual([]);
  });
});
