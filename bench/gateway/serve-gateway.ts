/**
 * Child process of the benchmark: a real Gateway from its factory, configured from the
 * environment the benchmark passes in. Sends `{ url }` to the parent once listening and stops
 * when the parent disconnects or sends SIGTERM.
 */
import { loadGatewayConfig } from "../../app/gateway/config.js";
import { createGateway } from "../../app/gateway/server.js";
import { serveUntilParentLeaves } from "./child-process.js";

const gateway = await createGateway(loadGatewayConfig(process.env));
await serveUntilParentLeaves(await gateway.listen(), () => gateway.close());
