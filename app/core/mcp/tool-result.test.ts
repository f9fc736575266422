import { describe, expect, it } from "vitest";
import { AppError } from "../../common/errors.js";
import { toolError, toolResult } from "./tool-result.js";

const textOf = (result: { content: unknown }) => (result.content as Array<{ text: string }>)[0]!.text;

describe("toolResult", () => {
  it("gives the value as structuredContent and as compact JSON text", () => {
    const value = { "a.txt": { content: "hi\n" }, nested: { list: [1, 2] } };
    const result = toolResult(value, 1_000);
    expect(result.structuredContent).toEqual(value);
    expect(textOf(result)).toBe('{"a.txt":{"content":"hi\\n"},"nested":{"list":[1,2]}}');
    expect(result.isError).toBeUndefined();
  });

  it("refuses an answer over the budget with its size and how to ask for less", () => {
    const value = { content: "x".repeat(2_000) };
    const result = toolResult(value, 1_000);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    const answer = JSON.parse(textOf(result)) as Record<string, unknown>;
    expect(answer).toMatchObject({ response_chars: JSON.stringify(value).length, max_response_chars: 1_000 });
    expect(answer.error).toMatch(/ask for less .* cursor/);
    expect(textOf(result).length).toBeLessThanOrEqual(1_000);
  });
});

describe("toolError", () => {
  it("carries the error's message and details", () => {
    const result = toolError(
      new AppError(404, "All requested files are missing", { files: { a: { error: "x" } } }),
      1_000,
    );
    expect(result.isError).toBe(true);
    expect(JSON.parse(textOf(result))).toEqual({
      error: "All requested files are missing",
      files: { a: { error: "x" } },
    });
  });

  it("drops details that would not fit, never the message", () => {
    const result = toolError(
      new AppError(404, "All requested files are missing", { files: "y".repeat(5_000) }),
      1_000,
    );
    expect(JSON.parse(textOf(result))).toEqual({ error: "All requested files are missing" });
  });
});
