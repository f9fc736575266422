import { pino } from "pino";
import { createLogger, type Logger } from "../common/logger.js";

/**
 * Log lines are gathered up to this many bytes and written together by one asynchronous write:
 * one write(2) for some sixty request lines instead of one per request. Under sonic-boom's
 * 16 KiB write size, which it requires.
 */
const LOG_BUFFER_BYTES = 16_000;
/** A quiet Gateway's lines still reach stdout within this long. */
const LOG_FLUSH_INTERVAL_MS = 1_000;

/**
 * The Gateway's logger: pino JSON on stdout, buffered (see LOG_BUFFER_BYTES). pino's exit
 * handler flushes what is left; a closed stdout (EPIPE) stops the logging, not the Gateway.
 */
export function createGatewayLogger(level: string): Logger {
  return createLogger({ name: "gateway", level, destination: bufferedStdout() });
}

/**
 * sonic-boom on stdout in its buffer mode, each line handed over as a Buffer. In its default
 * string mode it measures the whole pending batch again for every line it adds (the batch is
 * one growing string), which cost more than the rest of the request line; in buffer mode it
 * keeps the lines apart and joins them once per write.
 */
function bufferedStdout(): NodeJS.WritableStream {
  const sink = pino.destination({
    dest: 1,
    sync: false,
    minLength: LOG_BUFFER_BYTES,
    periodicFlush: LOG_FLUSH_INTERVAL_MS,
    contentMode: "buffer",
  });
  const destination: pino.DestinationStream & Pick<typeof sink, "flush" | "flushSync"> = {
    // sink.write is looked up on each call: pino replaces it with a no-op after EPIPE.
    write: (line: string) => sink.write(Buffer.from(line, "utf8") as unknown as string),
    flush: (callback) => sink.flush(callback),
    flushSync: () => sink.flushSync(),
  };
  // What pino writes to is a DestinationStream, not a full Node stream.
  return destination as unknown as NodeJS.WritableStream;
}
