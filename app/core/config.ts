import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { z } from "zod";
import { parseConfig } from "../common/config.js";
import { envInt, envList, envOptionalString, envPort, envUrl, logLevel } from "../common/env-schema.js";
import type { WatchMode } from "./project/tree-watch.js";
import { isExecutableFile } from "./search/ripgrep.js";

const MIB = 1024 * 1024;
export const MIN_API_KEY_LENGTH = 16;

/** PROJECT_PATH must name an existing directory; relative paths resolve against the working directory. */
const projectPath = (cwd: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const path = resolve(cwd, v === undefined || v.trim() === "" ? "." : v);
      try {
        if (statSync(path).isDirectory()) return path;
        ctx.addIssue({ code: "custom", message: `"${path}" is not a directory` });
      } catch {
        ctx.addIssue({ code: "custom", message: `"${path}" does not exist` });
      }
      return z.NEVER;
    });

/** CORE_ALLOWED_ORIGINS: comma-separated http(s) origins, kept in the form browsers send (`https://app.example.com`). */
const envOriginList = () =>
  envList([]).transform((origins, ctx) =>
    origins.map((value) => {
      try {
        const url = new URL(value);
        if (
          (url.protocol === "http:" || url.protocol === "https:") &&
          url.origin === value.replace(/\/$/, "").toLowerCase()
        )
          return url.origin;
      } catch {
        // reported below
      }
      ctx.addIssue({
        code: "custom",
        message: `expected origins like https://app.example.com, got "${value}"`,
      });
      return z.NEVER;
    }),
  );

/** SEARCH_RIPGREP: `auto` (rg from PATH when there), `off`, or the absolute path of an executable rg. */
const envRipgrep = () =>
  z
    .string()
    .trim()
    .default("auto")
    .transform((value, ctx) => {
      if (value === "auto" || value === "off") return value;
      if (!value.startsWith("/")) {
        ctx.addIssue({ code: "custom", message: `expected auto, off or an absolute path, got "${value}"` });
        return z.NEVER;
      }
      if (isExecutableFile(value)) return value;
      ctx.addIssue({ code: "custom", message: `"${value}" is not an executable file` });
      return z.NEVER;
    });

const coreSchema = (cwd: string) =>
  z
    .object({
      PROJECT_PATH: projectPath(cwd),
      CORE_HOST: z.string().trim().min(1).default("127.0.0.1"),
      CORE_PORT: envPort(5001),
      API_KEY: z
        .string({ error: `is required (a secret of at least ${MIN_API_KEY_LENGTH} characters)` })
        .min(MIN_API_KEY_LENGTH, { error: `must be at least ${MIN_API_KEY_LENGTH} characters long` }),
      AGENTIGNORE_FILES: envList([".agentignore", ".gitignore"]),
      TUNNEL: z.enum(["none", "ngrok"], { error: "expected none or ngrok" }).default("none"),
      NGROK_AUTHTOKEN: envOptionalString(),
      NGROK_DOMAIN: envOptionalString(),
      GATEWAY_URL: envUrl(),
      CORE_PUBLIC_URL: envUrl(),
      CORE_ALLOWED_HOSTS: envList([]),
      CORE_ALLOWED_ORIGINS: envOriginList(),
      MAX_FILE_BYTES: envInt(MIB, 1, 1024 * MIB),
      MAX_FILES_PER_REQUEST: envInt(100, 1, 10_000),
      MAX_REQUEST_BYTES: envInt(8 * MIB, 1, 4096 * MIB),
      MAX_BODY_BYTES: envInt(64 * 1024, 64, 64 * MIB),
      SEARCH_MAX_RESULTS: envInt(200, 1, 10_000),
      SEARCH_MAX_FILES: envInt(1_000_000, 1, 10_000_000),
      SEARCH_MAX_QUERY_LENGTH: envInt(256, 1, 4096),
      SEARCH_DEADLINE_MS: envInt(20_000, 100, 600_000),
      SEARCH_MAX_FILE_BYTES: envInt(64 * MIB, 1024, 4096 * MIB),
      SEARCH_WORKERS: envInt(Math.min(4, availableParallelism()), 1, 64),
      SEARCH_CACHE_MAX_BYTES: envInt(256 * MIB, 0, 64 * 1024 * MIB),
      SEARCH_RIPGREP: envRipgrep(),
      MAX_RESPONSE_CHARS: envInt(90_000, 1_000, 100_000_000),
      CACHE_MAX_BYTES: envInt(64 * MIB, 0, 4096 * MIB),
      TREE_WATCH: z.enum(["auto", "off"], { error: "expected auto or off" }).default("auto"),
      TREE_WATCH_MAX_DIRS: envInt(20_000, 1, 1_000_000),
      REGISTRATION_BACKOFF_BASE_MS: envInt(500, 1, 600_000),
      REGISTRATION_BACKOFF_CAP_MS: envInt(60_000, 1, 3_600_000),
      LOG_LEVEL: logLevel,
    })
    .superRefine((c, ctx) => {
      if (c.TUNNEL === "ngrok" && !c.NGROK_AUTHTOKEN) {
        ctx.addIssue({ code: "custom", path: ["NGROK_AUTHTOKEN"], message: "is required when TUNNEL=ngrok" });
      }
    });

export type CoreEnv = z.output<ReturnType<typeof coreSchema>>;

/** The Core's settings, validated once at start-up; the rest of the code never reads the environment. */
export interface CoreConfig {
  projectPath: string;
  host: string;
  port: number;
  apiKey: string;
  ignoreFileNames: string[];
  tunnel: { kind: "none" } | { kind: "ngrok"; authtoken: string; domain?: string };
  gatewayUrl?: string;
  publicUrl?: string;
  allowedHosts: string[];
  /** Extra browser origins (`scheme://host[:port]`) allowed to call `/mcp`, besides the Core's own and the Gateway's. */
  allowedOrigins: string[];
  limits: {
    maxFileBytes: number;
    maxFilesPerRequest: number;
    maxRequestBytes: number;
    maxBodyBytes: number;
    searchMaxResults: number;
    searchMaxFiles: number;
    searchMaxQueryLength: number;
    /** A search answers within this time, complete or with a cursor where it stopped. */
    searchDeadlineMs: number;
    /** Most bytes of one file scanned per search page; the cursor reaches the rest. */
    searchMaxFileBytes: number;
    /** Most characters of JSON in one answer (HTTP body or MCP tool result); answers that would be larger are cut and say how to go on. */
    maxResponseChars: number;
  };
  cacheMaxBytes: number;
  /** Search worker threads, the file contents they keep in memory, and ripgrep as a prefilter (`auto`, `off` or a path). */
  search: { workers: number; cacheMaxBytes: number; ripgrep: string };
  /** `auto`: inotify watches keep the cached tree fresh (Linux, local file systems); `off`: stat checks. */
  treeWatch: WatchMode;
  /** Most directories watched; beyond, stat checks (and never more than half the kernel's budget). */
  treeWatchMaxDirs: number;
  registrationBackoff: { baseMs: number; capMs: number };
  logLevel: string;
}

/** Validates the environment; throws one ConfigError naming every bad variable. */
export function loadCoreConfig(
  env: Record<string, string | undefined>,
  cwd: string = process.cwd(),
): CoreConfig {
  const e = parseConfig(coreSchema(cwd), env);
  return {
    projectPath: e.PROJECT_PATH,
    host: e.CORE_HOST,
    port: e.CORE_PORT,
    apiKey: e.API_KEY,
    ignoreFileNames: e.AGENTIGNORE_FILES,
    tunnel:
      e.TUNNEL === "ngrok"
        ? {
            kind: "ngrok",
            authtoken: e.NGROK_AUTHTOKEN ?? "",
            ...(e.NGROK_DOMAIN ? { domain: e.NGROK_DOMAIN } : {}),
          }
        : { kind: "none" },
    ...(e.GATEWAY_URL ? { gatewayUrl: e.GATEWAY_URL } : {}),
    ...(e.CORE_PUBLIC_URL ? { publicUrl: e.CORE_PUBLIC_URL } : {}),
    allowedHosts: e.CORE_ALLOWED_HOSTS.map((h) => h.toLowerCase()),
    allowedOrigins: e.CORE_ALLOWED_ORIGINS,
    limits: {
      maxFileBytes: e.MAX_FILE_BYTES,
      maxFilesPerRequest: e.MAX_FILES_PER_REQUEST,
      maxRequestBytes: e.MAX_REQUEST_BYTES,
      maxBodyBytes: e.MAX_BODY_BYTES,
      searchMaxResults: e.SEARCH_MAX_RESULTS,
      searchMaxFiles: e.SEARCH_MAX_FILES,
      searchMaxQueryLength: e.SEARCH_MAX_QUERY_LENGTH,
      searchDeadlineMs: e.SEARCH_DEADLINE_MS,
      searchMaxFileBytes: e.SEARCH_MAX_FILE_BYTES,
      maxResponseChars: e.MAX_RESPONSE_CHARS,
    },
    cacheMaxBytes: e.CACHE_MAX_BYTES,
    search: {
      workers: e.SEARCH_WORKERS,
      cacheMaxBytes: e.SEARCH_CACHE_MAX_BYTES,
      ripgrep: e.SEARCH_RIPGREP,
    },
    treeWatch: e.TREE_WATCH,
    treeWatchMaxDirs: e.TREE_WATCH_MAX_DIRS,
    registrationBackoff: { baseMs: e.REGISTRATION_BACKOFF_BASE_MS, capMs: e.REGISTRATION_BACKOFF_CAP_MS },
    logLevel: e.LOG_LEVEL,
  };
}
