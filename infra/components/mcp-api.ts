import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, MCP_CACHE_SHARE, McpTimeoutSchema, ThrottleSchema, assertValid } from "../../shared/config.js";
import {
  AUTHORIZATION_SERVER_PATH,
  LIVE_ALIAS,
  MCP_PATH,
  OAUTH_MCP_PATH,
  PROTECTED_RESOURCE_PATH,
} from "../../shared/names.js";
import { mergeLinks, type Link } from "../link.js";
import { imageFunction, type ImageFunctionArgs } from "./image-function.js";

/**
 * The function's settings (`imageUri`: the `mcp` image, from the Images component; `tmpMb`: the bundle cache
 * takes MCP_CACHE_SHARE of it), and the API's.
 */
export interface McpApiArgs extends Omit<ImageFunctionArgs, "statements" | "env" | "settings"> {
  apiName: string;
  accessLogGroupName: string;
  /** Stage-wide throttling of the HTTP API. */
  throttle: { rateLimit: number; burstLimit: number };
  /** Browser origins allowed by CORS; none by default (MCP clients are not browsers). */
  corsOrigins: string[];
  websiteUrl?: string | undefined;
  /** Per-route CloudWatch metrics of the API (billed as custom metrics). Default false. */
  detailedMetrics?: boolean;
  /**
   * THOTH_OAUTH (JSON): serve the OAuth endpoint at OAUTH_MCP_PATH and its discovery documents. Unset: API keys
   * only, and no OAuth routes.
   */
  oauthSettings?: pulumi.Input<string> | undefined;
  links: Link[];
}

/**
 * The MCP endpoint: a container-image Lambda (see functions/Dockerfile), published and reached through the `live` alias (move
 * it back to roll back), behind an HTTP API with `POST /mcp` (GET and DELETE reach the function, which answers
 * 405), stage throttling and access logs.
 */
export class McpApi extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly alias: aws.lambda.Alias;
  readonly api: aws.apigatewayv2.Api;
  readonly stage: aws.apigatewayv2.Stage;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly role: aws.iam.Role;
  readonly url: pulumi.Output<string>;
  /** The OAuth endpoint, when the stack signs people in with OAuth. */
  readonly oauthUrl: pulumi.Output<string> | undefined;

  constructor(name: string, args: McpApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("thoth:infra:McpApi", name, {}, opts);
    assertValid(McpTimeoutSchema, args.timeoutSeconds, "McpApi: timeoutSeconds");
    assertValid(ThrottleSchema, args.throttle, "McpApi: throttle");
    const parent = { parent: this };

    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      { name: args.accessLogGroupName, retentionInDays: args.logRetentionDays, tags: args.tags },
      parent,
    );

    const linked = mergeLinks(args.links);
    ({
      logGroup: this.logGroup,
      role: this.role,
      function: this.function,
    } = imageFunction(name, this, {
      ...args,
      statements: linked.statements,
      env: {
        // The handler answers 403 to a browser Origin that is not listed (the MCP spec's Origin rule).
        [ENV.THOTH_ALLOWED_ORIGINS]: JSON.stringify(args.corsOrigins),
        [ENV.THOTH_CACHE_MB]: String(Math.floor(args.tmpMb * MCP_CACHE_SHARE)),
        ...(args.websiteUrl ? { [ENV.THOTH_WEBSITE_URL]: args.websiteUrl } : {}),
        ...(args.oauthSettings ? { [ENV.THOTH_OAUTH]: args.oauthSettings } : {}),
        ...linked.env,
      },
      settings: { publish: true },
    }));
    this.alias = new aws.lambda.Alias(
      `${name}-alias`,
      { name: LIVE_ALIAS, functionName: this.function.name, functionVersion: this.function.version },
      parent,
    );

    this.api = new aws.apigatewayv2.Api(
      `${name}-api`,
      {
        name: args.apiName,
        protocolType: "HTTP",
        ...(args.corsOrigins.length
          ? {
              corsConfiguration: {
                allowOrigins: args.corsOrigins,
                allowMethods: ["POST", "GET"],
                allowHeaders: [
                  "authorization",
                  "x-api-key",
                  "content-type",
                  "mcp-protocol-version",
                  "mcp-session-id",
                  // 2026-07-28 requests name their method and target in headers too.
                  "mcp-method",
                  "mcp-name",
                ],
                // What a browser client reads from answers: the session and version headers, and the OAuth
                // challenge.
                exposeHeaders: ["mcp-session-id", "mcp-protocol-version", "www-authenticate"],
                maxAge: 600,
              },
            }
          : {}),
        tags: args.tags,
      },
      parent,
    );
    const integration = new aws.apigatewayv2.Integration(
      `${name}-integration`,
      {
        apiId: this.api.id,
        integrationType: "AWS_PROXY",
        integrationUri: this.alias.invokeArn,
        payloadFormatVersion: "2.0",
        timeoutMilliseconds: 29_000,
      },
      parent,
    );
    const route = (id: string, routeKey: string) =>
      new aws.apigatewayv2.Route(
        `${name}-route-${id}`,
        { apiId: this.api.id, routeKey, target: pulumi.interpolate`integrations/${integration.id}` },
        parent,
      );
    for (const method of ["POST", "GET", "DELETE"]) {
      route(method.toLowerCase(), `${method} ${MCP_PATH}`);
      if (args.oauthSettings) route(`oauth-${method.toLowerCase()}`, `${method} ${OAUTH_MCP_PATH}`);
    }
    if (args.oauthSettings) {
      // The discovery documents: GET, and OPTIONS for a browser's preflight (answered by the function, with
      // CORS `*`, unless the API's own CORS settings answer it).
      const documents = {
        "resource-metadata": PROTECTED_RESOURCE_PATH,
        "oauth-resource-metadata": `${PROTECTED_RESOURCE_PATH}${OAUTH_MCP_PATH}`,
        "authorization-server": `${AUTHORIZATION_SERVER_PATH}${OAUTH_MCP_PATH}`,
      };
      for (const [id, path] of Object.entries(documents)) {
        route(`${id}-get`, `GET ${path}`);
        if (!args.corsOrigins.length) route(`${id}-options`, `OPTIONS ${path}`);
      }
    }
    this.stage = new aws.apigatewayv2.Stage(
      `${name}-stage`,
      {
        apiId: this.api.id,
        name: "$default",
        autoDeploy: true,
        defaultRouteSettings: {
          throttlingRateLimit: args.throttle.rateLimit,
          throttlingBurstLimit: args.throttle.burstLimit,
          detailedMetricsEnabled: args.detailedMetrics ?? false,
        },
        accessLogSettings: {
          destinationArn: accessLogs.arn,
          // No headers are logged: they carry the API key.
          format: JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            requestTime: "$context.requestTime",
            routeKey: "$context.routeKey",
            status: "$context.status",
            responseLength: "$context.responseLength",
            latencyMs: "$context.responseLatency",
            integrationError: "$context.integrationErrorMessage",
          }),
        },
        tags: args.tags,
      },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: this.function.name,
        qualifier: this.alias.name,
        principal: "apigateway.amazonaws.com",
        // Any route of this API (each one is declared above).
        sourceArn: pulumi.interpolate`${this.api.executionArn}/*/*`,
      },
      parent,
    );
    this.url = pulumi.interpolate`${this.api.apiEndpoint}${MCP_PATH}`;
    this.oauthUrl = args.oauthSettings
      ? pulumi.interpolate`${this.api.apiEndpoint}${OAUTH_MCP_PATH}`
      : undefined;
    this.registerOutputs({ url: this.url, oauthUrl: this.oauthUrl, functionName: this.function.name });
  }
}
