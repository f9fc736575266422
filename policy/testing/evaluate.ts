import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { resourcePolicies, stackPolicies } from "../policies.js";

/** A resource as a policy sees it: its type, logical name and properties. */
export interface ResourceUnderTest {
  type: string;
  name: string;
  props: Record<string, unknown>;
  /** resource options the engine would report (protect, retainOnDelete) */
  opts?: { protect?: boolean; retainOnDelete?: boolean };
}

export interface Violation {
  policy: string;
  resource: string;
  message: string;
}

const urnOf = (r: ResourceUnderTest) => `urn:pulumi:test::codequery::${r.type}::${r.name}`;

function resourceArgs(r: ResourceUnderTest): ResourceValidationArgs {
  return {
    type: r.type,
    name: r.name,
    urn: urnOf(r),
    props: r.props,
    opts: {
      protect: r.opts?.protect ?? false,
      retainOnDelete: r.opts?.retainOnDelete ?? false,
      ignoreChanges: [],
      aliases: [],
      additionalSecretOutputs: [],
      customTimeouts: {},
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: () => undefined as never,
  } as unknown as ResourceValidationArgs;
}

/** Runs one resource policy over the resources, as the policy engine would during a preview. */
export async function evaluateResourcePolicy(
  policy: ResourceValidationPolicy,
  resources: ResourceUnderTest[],
): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const r of resources) {
    const validations = Array.isArray(policy.validateResource)
      ? policy.validateResource
      : policy.validateResource
        ? [policy.validateResource]
        : [];
    for (const validate of validations) {
      await validate(resourceArgs(r), (message) =>
        violations.push({ policy: policy.name, resource: `${r.type} ${r.name}`, message }),
      );
    }
  }
  return violations;
}

export async function evaluateStackPolicy(
  policy: StackValidationPolicy,
  resources: ResourceUnderTest[],
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const args = {
    resources: resources.map(
      (r) => ({ type: r.type, name: r.name, urn: urnOf(r), props: r.props }) as unknown as PolicyResource,
    ),
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
  } as unknown as StackValidationArgs;
  await policy.validateStack(args, (message, urn) =>
    violations.push({ policy: policy.name, resource: urn ?? "(stack)", message }),
  );
  return violations;
}

/** Every policy of the pack over the resources. */
export async function evaluatePack(resources: ResourceUnderTest[]): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const p of resourcePolicies) violations.push(...(await evaluateResourcePolicy(p, resources)));
  for (const p of stackPolicies) violations.push(...(await evaluateStackPolicy(p, resources)));
  return violations;
}
