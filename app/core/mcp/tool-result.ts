import type { CallToolResult } from "@modelcontextprotocol/server";
import { AppError } from "../../common/errors.js";

/**
 * A tool's answer: the operation's result as `structuredContent` (validated against the tool's
 * `outputSchema`) and the same value as compact JSON text for clients that read only `content`.
 * The budget counts the JSON a model reads (the text block), like the HTTP routes count their
 * body: an answer over it is refused with advice rather than sent whole.
 */
export function toolResult(value: unknown, maxChars: number): CallToolResult {
  const text = JSON.stringify(value);
  if (text.length > maxChars) {
    return toolError(
      new AppError(
        413,
        `The answer would be ${text.length} characters, more than this server's limit of ${maxChars}: ` +
          "ask for less (a subdirectory, a smaller depth or limit, fewer files, a line range) or page with a cursor",
        { response_chars: text.length, max_response_chars: maxChars },
      ),
      maxChars,
    );
  }
  return {
    content: [{ type: "text", text }],
    structuredContent: value as Record<string, unknown>,
  };
}

/** An operation's refusal as a tool error the model can read and act on (`isError: true`). */
export function toolError(error: AppError, maxChars: number): CallToolResult {
  const full = JSON.stringify({ error: error.message, ...error.extra });
  // The extra details (e.g. every missing file) are the part that can grow; the message never goes.
  const text = full.length <= maxChars ? full : JSON.stringify({ error: error.message });
  return { content: [{ type: "text", text }], isError: true };
}
