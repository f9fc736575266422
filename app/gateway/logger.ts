import { pino } from "pino";
import { createLogger, type Logger } from "../common/logger.js";

/**
 * Log lines are gathered up to this many characters and written together: one write(2) for
 * twenty-odd request lines instead of one per request, which a CPU profile showed costing as
 * much as the rest of the request log. The exit handler pino registers flushes what is left.
 */
const LOG_BUFFER_CHARS = 4096;
/** A quiet Gateway's lines still reach stdout within this long. */
const LOG_FLUSH_INTERVAL_MS = 1_000;

/** The Gateway's logger: pino JSON on stdout, buffered (see LOG_BUFFER_CHARS). */
export function createGatewayLogger(level: string): Logger {
  return createLogger({
    name: "gateway",
    level,
    // A SonicBoom is what pino writes to (a DestinationStream), not a full Node stream.
    destination: pino.destination({
      dest: 1,
      sync: false,
      minLength: LOG_BUFFER_CHARS,
      periodicFlush: LOG_FLUSH_INTERVAL_MS,
    }) as unknown as NodeJS.WritableStream,
  });
}
