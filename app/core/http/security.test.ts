import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCore, type RunningCore } from "../testing/start-core.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";

/** End to end over HTTP: what is hidden stays hidden from structure, content and search alike. */
let project: TempProject;
let core: RunningCore;

beforeAll(async () => {
  project = createTempProject(
    {
      "src/app.ts": "const marker = 'visible';\n",
      ".agentignore": "notes/\n",
      "notes/todo.md": "marker agentignored\n",
      ".gitignore": "*.log\n",
      "debug.log": "marker root-gitignored\n",
      "pkg/.gitignore": "generated/\n",
      "pkg/generated/out.ts": "marker nested-gitignored\n",
      ".env": "marker=denied\n",
      "config/.env.local": "marker=denied\n",
      "certs/site.pem": "marker denied\n",
      "home/.ssh/id_rsa": "marker denied\n",
      ".aws/credentials": "marker denied\n",
      ".npmrc": "marker denied\n",
    },
    "allowed",
  );
  project.symlink("escape.txt", `${project.outside}/secret.txt`);
  project.symlink("escape-dir", `${project.outside}/dir`);
  project.write("../allowed-evil/secret.txt", "marker evil sibling\n");
  project.symlink("evil.txt", `${project.base}/allowed-evil/secret.txt`);
  core = await startTestCore(project.root);
});

afterAll(async () => {
  await core.close();
  project.cleanup();
});

const HIDDEN = [
  "notes/todo.md",
  "debug.log",
  "pkg/generated/out.ts",
  ".env",
  "config/.env.local",
  "certs/site.pem",
  "home/.ssh/id_rsa",
  ".aws/credentials",
  ".npmrc",
  "escape.txt",
  "escape-dir/inner.txt",
  "evil.txt",
];

describe("hidden files over HTTP", () => {
  it("are absent from the structure", async () => {
    const structure = (await (await core.call("/files/structure")).json()) as Record<
      string,
      { files: string[]; directories: string[] }
    >;
    const listed = Object.entries(structure).flatMap(([dir, e]) =>
      e.files.map((f) => (dir === "." ? f : `${dir}/${f}`)),
    );
    expect(listed.sort()).toEqual([".agentignore", ".gitignore", "pkg/.gitignore", "src/app.ts"]);
    expect(structure["."]!.directories).not.toContain("escape-dir");
  });

  it("cannot be read", async () => {
    const res = await core.call("/files/content", {
      method: "POST",
      body: JSON.stringify({ file_paths: HIDDEN }),
    });
    expect(res.status).toBe(404);
    const body = JSON.stringify(await res.json());
    expect(body).not.toContain("marker");
    expect(body).not.toContain("SECRET");
  });

  it("are never searched", async () => {
    const res = await core.call("/files/search?q=marker");
    const body = (await res.json()) as { results: { path: string }[] };
    expect(body.results.map((r) => r.path)).toEqual(["src/app.ts"]);
  });

  it("refuses absolute, .., NUL and encoded paths without reading outside", async () => {
    const tricks = [
      `${project.outside}/secret.txt`,
      "../outside/secret.txt",
      "src/../../outside/secret.txt",
      "src/app.ts\u0000",
      "%2e%2e/outside/secret.txt",
      "..%2Foutside%2Fsecret.txt",
    ];
    const res = await core.call("/files/content", {
      method: "POST",
      body: JSON.stringify({ file_paths: tricks }),
    });
    expect(res.status).toBe(404);
    expect(JSON.stringify(await res.json())).not.toContain("TOP SECRET");
  });
});
