import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "./folders.js";

/** The parts of the resource monitor's request read here. */
interface RegisterRequest {
  getName(): string;
  getDependenciesList(): string[];
  getRetainondelete(): boolean | undefined;
  getProtect(): boolean | undefined;
}

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** The logical names of the resources it depends on (`dependsOn` and inputs from other resources). */
  dependsOn: string[];
  /** The `retainOnDelete` option: Pulumi leaves the cloud resource in place when it deletes this one. */
  retainOnDelete: boolean;
  /** The `protect` option: `pulumi destroy` refuses while it is set. */
  protect: boolean;
}

/** Attributes AWS computes, so outputs that depend on them resolve under mocks. */
function computed(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const physical = (inputs.name as string | undefined) ?? `${name}-physical`;
  const arn = `arn:aws:${type.split(":")[1]?.split("/")[0]}:${REGION}:${ACCOUNT}:${physical}`;
  switch (type) {
    case "aws:s3/bucket:Bucket":
      return { bucket: `${name}-bucket`, arn: `arn:aws:s3:::${name}-bucket` };
    case "aws:lambda/function:Function":
      return {
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}`,
        version: "7",
        invokeArn: `${arn}/invocations`,
      };
    case "aws:lambda/alias:Alias":
      return {
        arn: `${arn}:${physical}`,
        invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/functions/${physical}/invocations`,
      };
    case "aws:apigatewayv2/api:Api":
      return {
        arn,
        apiEndpoint: `https://${name}.execute-api.${REGION}.amazonaws.com`,
        executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${name}`,
      };
    case "aws:ecr/repository:Repository":
      return { arn, repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${physical}` };
    case "docker-build:index:Image":
      // What docker-build answers after a push: the digest of what was pushed (here a stand-in digest derived
      // from the tag, which npm run package derives from the content).
      return {
        digest: `sha256:${createHash("sha256")
          .update(String((inputs.tags as string[])[0]))
          .digest("hex")}`,
      };
    case "random:index/randomString:RandomString":
      return { result: "k3x9q2zt" };
    case "random:index/randomPassword:RandomPassword":
      return { result: "generated-api-key-0123456789" };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${physical}` };
    case "aws:secretsmanager/secret:Secret":
      return { arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${physical}-AbCdEf` };
    default:
      return { arn };
  }
}

/**
 * Installs Pulumi's mocks for a stack and records every resource's inputs. Any provider function call throws:
 * the program must not depend on one that is not mocked here.
 */
export function installMocks(
  stack: string,
  config: Record<string, string> = {},
  secretKeys: string[] = [],
): RecordedResource[] {
  const recorded: RecordedResource[] = [];
  pulumi.runtime.setAllConfig(config, secretKeys);
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          dependsOn: dependencies.get(args.name)?.dependsOn ?? [],
          retainOnDelete: dependencies.get(args.name)?.retainOnDelete ?? false,
          protect: dependencies.get(args.name)?.protect ?? false,
        });
        return {
          id: `${args.name}-id`,
          state: { ...args.inputs, ...computed(args.type, args.name, args.inputs) },
        };
      },
      call(args) {
        // The registry's push credentials (docker-build's login to ECR).
        if (args.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken")
          return {
            userName: "AWS",
            password: "ecr-token",
            proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`,
          };
        throw new Error(`unexpected provider call ${args.token}`);
      },
    },
    "thoth",
    stack,
    false,
  );
  // Pulumi's mocks do not pass a resource's dependencies on: read them from the request the mock monitor gets.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  const dependencies = new Map<string, { dependsOn: string[]; retainOnDelete: boolean; protect: boolean }>();
  monitor.registerResource = (req, callback) => {
    dependencies.set(req.getName(), {
      dependsOn: req.getDependenciesList().map((urn) => urn.split("::").pop()!),
      retainOnDelete: req.getRetainondelete() ?? false,
      protect: req.getProtect() ?? false,
    });
    return register(req, callback);
  };
  return recorded;
}

export function resolve<T>(output: pulumi.Output<T> | undefined): Promise<T | undefined> {
  return output ? new Promise((r) => output.apply(r)) : Promise.resolve(undefined);
}

/** Waits until no resource has been registered for a while. */
export async function settle(recorded: RecordedResource[]): Promise<void> {
  let count = -1;
  while (count !== recorded.length) {
    count = recorded.length;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The `thoth:` keys of a committed stack file, without the namespace. */
export function stackFileValues(stack: string): Record<string, unknown> {
  const file = parse(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(file.config)
      .filter(([key]) => key.startsWith("thoth:"))
      .map(([key, value]) => [key.slice("thoth:".length), value]),
  );
}

export const byType = (recorded: RecordedResource[], type: string) => recorded.filter((r) => r.type === type);
