import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  OAUTH_CLIENT_CALLBACKS,
  OAUTH_CLIENT_FAMILIES,
  type GroupGrant,
  type OAuthClientFamily,
  type OAuthConfig,
  type OAuthSettings,
} from "../../shared/oauth-settings.js";

export interface SignInArgs {
  stack: string;
  region: string;
  /** `thoth-<stack>-users`: the user pool's name. */
  userPoolName: string;
  groups: GroupGrant[];
  domainPrefix?: string | undefined;
  callbackUrls?: Partial<Record<OAuthClientFamily, string[]>>;
  /** Refuse to delete the pool (and its people) while protected. */
  protect: boolean;
  tags?: Record<string, string>;
}

/** The scope Thoth's OAuth endpoint requires, as Cognito writes it: `<resource server>/<scope>`. */
export const cognitoScope = (stack: string) => `thoth-${stack}/mcp`;

/**
 * The stack's own authorization server: an Amazon Cognito user pool that only administrators add people to,
 * its managed login pages, a resource server with Thoth's scope, one app client per MCP client family
 * (authorization code + PKCE, public: no secret to hand out), and a Cognito group per group the stack grants.
 *
 * Cognito lacks three things MCP clients look for, and Thoth makes up for each: its discovery document names no
 * `code_challenge_methods_supported` (Thoth serves RFC 8414 metadata for it, the façade); it has no dynamic
 * client registration (each client family gets a pre-registered client id, entered in the connector's
 * advanced settings); and its access tokens carry `client_id`, not an RFC 8707 audience (Thoth accepts the
 * stack's own client ids).
 */
export class SignIn extends pulumi.ComponentResource {
  readonly userPool: aws.cognito.UserPool;
  readonly domain: aws.cognito.UserPoolDomain;
  readonly clients: Record<OAuthClientFamily, aws.cognito.UserPoolClient>;
  readonly issuer: pulumi.Output<string>;
  /** The managed login pages, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly loginUrl: pulumi.Output<string>;
  /** THOTH_OAUTH for the MCP function. */
  readonly settings: pulumi.Output<OAuthSettings>;

  constructor(name: string, args: SignInArgs, opts?: pulumi.ComponentResourceOptions) {
    super("thoth:infra:SignIn", name, {}, opts);
    const parent = { parent: this };
    this.userPool = new aws.cognito.UserPool(
      `${name}-users`,
      {
        name: args.userPoolName,
        // People are added by an administrator (docs/oauth.md: "People and groups"), never by signing themselves up.
        adminCreateUserConfig: { allowAdminCreateUserOnly: true },
        usernameAttributes: ["email"],
        autoVerifiedAttributes: ["email"],
        passwordPolicy: {
          minimumLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireNumbers: true,
          requireSymbols: false,
          temporaryPasswordValidityDays: 7,
        },
        mfaConfiguration: "OPTIONAL",
        softwareTokenMfaConfiguration: { enabled: true },
        accountRecoverySetting: { recoveryMechanisms: [{ name: "verified_email", priority: 1 }] },
        deletionProtection: args.protect ? "ACTIVE" : "INACTIVE",
        tags: args.tags,
      },
      { ...parent, protect: args.protect },
    );
    // Domain prefixes are unique across all accounts in a region: a random suffix unless one is chosen.
    const prefix = args.domainPrefix
      ? pulumi.output(args.domainPrefix)
      : pulumi.interpolate`thoth-${args.stack}-${
          new random.RandomString(
            `${name}-domain-suffix`,
            { length: 8, special: false, upper: false },
            parent,
          ).result
        }`;
    this.domain = new aws.cognito.UserPoolDomain(
      `${name}-domain`,
      { domain: prefix, userPoolId: this.userPool.id, managedLoginVersion: 2 },
      parent,
    );
    const scope = cognitoScope(args.stack);
    const [identifier, scopeName] = scope.split("/") as [string, string];
    const resourceServer = new aws.cognito.ResourceServer(
      `${name}-resource-server`,
      {
        userPoolId: this.userPool.id,
        identifier,
        name: identifier,
        scopes: [{ scopeName, scopeDescription: "Search and read the collections your groups grant" }],
      },
      parent,
    );
    this.clients = Object.fromEntries(
      OAUTH_CLIENT_FAMILIES.map((family) => {
        const client = new aws.cognito.UserPoolClient(
          `${name}-client-${family}`,
          {
            name: `thoth-${args.stack}-${family}`,
            userPoolId: this.userPool.id,
            generateSecret: false,
            allowedOauthFlowsUserPoolClient: true,
            allowedOauthFlows: ["code"],
            allowedOauthScopes: ["openid", "email", "profile", scope],
            callbackUrls: [...OAUTH_CLIENT_CALLBACKS[family], ...(args.callbackUrls?.[family] ?? [])],
            supportedIdentityProviders: ["COGNITO"],
            explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
            preventUserExistenceErrors: "ENABLED",
            enableTokenRevocation: true,
            accessTokenValidity: 60,
            idTokenValidity: 60,
            refreshTokenValidity: 30,
            tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "days" },
          },
          { ...parent, dependsOn: [resourceServer] },
        );
        // The managed login pages' look, per client: Cognito's own defaults.
        new aws.cognito.ManagedLoginBranding(
          `${name}-branding-${family}`,
          { userPoolId: this.userPool.id, clientId: client.id, useCognitoProvidedValues: true },
          { ...parent, dependsOn: [this.domain] },
        );
        return [family, client];
      }),
    ) as Record<OAuthClientFamily, aws.cognito.UserPoolClient>;
    for (const grant of args.groups) {
      new aws.cognito.UserGroup(
        `${name}-group-${grant.group}`,
        {
          userPoolId: this.userPool.id,
          name: grant.group,
          description: grant.collections
            ? `Thoth (${args.stack}): ${grant.collections.join(", ")}`.slice(0, 2048)
            : `Thoth (${args.stack}): every collection`,
        },
        parent,
      );
    }
    this.issuer = pulumi.interpolate`https://cognito-idp.${args.region}.amazonaws.com/${this.userPool.id}`;
    this.loginUrl = pulumi.interpolate`https://${this.domain.domain}.auth.${args.region}.amazoncognito.com`;
    this.settings = pulumi
      .all([this.issuer, this.loginUrl, ...OAUTH_CLIENT_FAMILIES.map((f) => this.clients[f].id)])
      .apply(([issuer, login, ...clientIds]) => ({
        issuer: issuer!,
        jwksUrl: `${issuer}/.well-known/jwks.json`,
        audiences: [],
        clientIds: clientIds as string[],
        scopes: [scope],
        groupsClaim: "cognito:groups",
        groups: args.groups,
        facade: {
          authorizationEndpoint: `${login}/oauth2/authorize`,
          tokenEndpoint: `${login}/oauth2/token`,
          revocationEndpoint: `${login}/oauth2/revoke`,
        },
        resourceName: `Thoth (${args.stack})`,
      }));
    this.registerOutputs({ issuer: this.issuer, loginUrl: this.loginUrl });
  }
}

/** THOTH_OAUTH for a stack whose people sign in at the company's own issuer: nothing is created for it. */
export function externalSettings(
  stack: string,
  oauth: Extract<OAuthConfig, { provider: "external" }>,
): OAuthSettings {
  return {
    issuer: oauth.issuer,
    jwksUrl: oauth.jwksUrl,
    audiences: oauth.audiences,
    clientIds: oauth.clientIds,
    scopes: oauth.scopes,
    groupsClaim: oauth.groupsClaim,
    groups: oauth.groups,
    ...(oauth.authorizationEndpoint && oauth.tokenEndpoint
      ? { facade: { authorizationEndpoint: oauth.authorizationEndpoint, tokenEndpoint: oauth.tokenEndpoint } }
      : {}),
    resourceName: `Thoth (${stack})`,
  };
}
