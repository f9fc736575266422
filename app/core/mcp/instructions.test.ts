import { describe, expect, it } from "vitest";
import { serverInstructions } from "./instructions.js";

const ALL = ["list_structure", "list_files", "read_files", "search", "file_info"];

describe("serverInstructions", () => {
  it("advises on every tool the server has, in exploring order", () => {
    const text = serverInstructions(ALL);
    const positions = ["list_structure", "list_files", "search", "file_info", "read_files"].map((t) =>
      text.indexOf(t),
    );
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it("names no tool the server does not have", () => {
    const text = serverInstructions(["read_files", "search"]);
    for (const absent of ["list_structure", "list_files", "file_info"]) expect(text).not.toContain(absent);
    expect(text).toContain("read_files");
  });

  it("explains the answer budget and how to continue", () => {
    expect(serverInstructions(ALL)).toMatch(/budget.*cursor/s);
  });
});
