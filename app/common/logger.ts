import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger } from "pino";

/** Header and field names whose values are secrets: redacted wherever they appear in a log line. */
export const REDACTED_PATHS = [
  "req.headers['x-api-key']",
  "req.headers.authorization",
  "req.headers.cookie",
  "res.headers['set-cookie']",
  "api_key",
  "core_token",
  "*.api_key",
  "*.core_token",
  "*.admin_api_key",
  "*.key_pepper",
];

export function createLogger(options: {
  name: string;
  level?: string;
  destination?: NodeJS.WritableStream;
  /**
   * Write stdout asynchronously: lines logged while a write is in flight go out together in the
   * next one, instead of one synchronous write per line (tens of µs per request). Nothing waits
   * when the process is idle; pino flushes what is left when the process exits.
   */
  asyncStdout?: boolean;
}): Logger {
  const config: LoggerOptions = {
    name: options.name,
    level: options.level ?? "info",
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    base: { service: options.name },
    timestamp: isoTime,
  };
  if (options.destination) return pino(config, options.destination as pino.DestinationStream);
  if (options.asyncStdout) return pino(config, pino.destination({ dest: 1, sync: false }));
  return pino(config);
}

let formattedSecond = Number.NaN;
let secondPrefix = "";

/**
 * pino's `"time"` field, exactly as `pino.stdTimeFunctions.isoTime` writes it
 * (`,"time":"2026-12-01T14:54:42.795Z"`), without formatting a Date for every line: the part up
 * to the second is formatted once per second, the milliseconds are appended.
 */
export function isoTime(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== formattedSecond) {
    const iso = new Date(second * 1000).toISOString(); // 2026-12-01T14:54:42.000Z
    // Years outside 0000-9999 are written differently (+275760-...): leave them to Date.
    if (iso.length !== 24) return `,"time":"${new Date(now).toISOString()}"`;
    formattedSecond = second;
    secondPrefix = `,"time":"${iso.slice(0, 20)}`;
  }
  const ms = now - second * 1000;
  return `${secondPrefix}${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z"`;
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
