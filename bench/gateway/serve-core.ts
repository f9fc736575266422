/**
 * Child process of the benchmark: a real Core from its factory, configured from the environment
 * the benchmark passes in (TUNNEL=none, GATEWAY_URL set, so it registers with the Gateway).
 * Sends `{ url }` to the parent once listening and stops when the parent leaves.
 */
import { loadCoreConfig } from "../../app/core/config.js";
import { createCore } from "../../app/core/server.js";
import { serveUntilParentLeaves } from "./child-process.js";

const core = createCore(loadCoreConfig(process.env));
await serveUntilParentLeaves(await core.listen(), () => core.close());
