import { z } from "zod";
import { parseBoolean, parseList } from "./config.js";

/** zod helpers for environment variables, which always arrive as strings. */

export const envBoolean = (defaultValue: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return defaultValue;
      const parsed = parseBoolean(v);
      if (parsed === undefined) {
        ctx.addIssue({ code: "custom", message: `expected true or false, got "${v}"` });
        return z.NEVER;
      }
      return parsed;
    });

export const envInt = (defaultValue: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return defaultValue;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: "custom",
          message: `expected a whole number from ${min} to ${max}, got "${v}"`,
        });
        return z.NEVER;
      }
      return n;
    });

export const envPort = (defaultValue: number) => envInt(defaultValue, 0, 65535);

export const envList = (defaultValue: string[]) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined ? defaultValue : parseList(v)));

export const envUrl = () =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      try {
        const url = new URL(v);
        if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
        return url.toString().replace(/\/$/, "");
      } catch {
        ctx.addIssue({ code: "custom", message: `expected an http(s) URL, got "${v}"` });
        return z.NEVER;
      }
    });

export const envOptionalString = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

export const logLevel = z
  .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
    error: "expected one of fatal, error, warn, info, debug, trace, silent",
  })
  .default("info");
