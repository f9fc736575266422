/** The Gateway's proxy to users' Cores: see core-proxy.ts for the behaviour, openapi.ts for the GPT Actions document. */
export {
  createCoreProxy,
  type CoreProxy,
  type CoreProxyOptions,
  type CoreProxyTarget,
  type ForwardOptions,
} from "./core-proxy.js";
export { buildActionsDocument, GATEWAY_SECURITY_SCHEME } from "./openapi.js";
export { CORE_TIMEOUT_MESSAGE, type ProxyErrorKind } from "./proxy-errors.js";
export { HOP_BY_HOP_HEADERS } from "./headers.js";
