import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { bundleAdminScript, createAdminAssets, PREBUILT_SCRIPT } from "./assets.js";

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), "static");
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function copyOfStatic(): string {
  const dir = mkdtempSync(join(tmpdir(), "cq-admin-static-"));
  dirs.push(dir);
  cpSync(SOURCE, dir, { recursive: true });
  return dir;
}

describe("admin page assets", () => {
  it("serves the bundle a release ships, as it is, without bundling at run time", async () => {
    const dir = copyOfStatic();
    writeFileSync(join(dir, PREBUILT_SCRIPT), "/* prebuilt by make artifact */");
    // Were it to bundle, this broken source would fail the request.
    writeFileSync(join(dir, "main.ts"), "this is not TypeScript {");
    const script = await createAdminAssets(dir).get("admin.js");
    expect(script).toEqual({
      body: "/* prebuilt by make artifact */",
      type: "text/javascript; charset=utf-8",
    });
  });

  it("bundles the page's TypeScript from a source checkout", async () => {
    const dir = copyOfStatic();
    const script = await createAdminAssets(dir).get("admin.js");
    expect(script?.body).toBe(await bundleAdminScript(dir));
    expect(script?.body).toContain("/admin/session");
  });
});
