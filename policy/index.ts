/**
 * The policy pack entry: `pulumi preview --policy-pack policy` runs this file. Tests never import
 * it (the PolicyPack constructor reads package.json and starts a gRPC server); they evaluate the
 * policies from policies.ts directly.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies.js";

new PolicyPack("codequery", { policies, enforcementLevel: "mandatory" });
