/** The `thoth` command. */
import { Command, InvalidArgumentError, Option } from "commander";
import {
  CLIENT_KINDS,
  CONNECTOR_KINDS,
  type ClientKind,
  type ConnectorKind,
} from "../shared/client-config.js";
import { parseRuntimeEnv } from "../shared/config.js";
import { DEFAULT_PORT } from "../shared/names.js";
import { ENV } from "../shared/config.js";
import { SEARCH_MODES, type SearchMode } from "../shared/types.js";
import { logger } from "../functions/lib/logger.js";
import { createModelRuntime, createRuntime, pointerCheckSeconds } from "../functions/composition.js";
import { citation } from "../functions/core/citation.js";
import { KnowledgeBase } from "../functions/core/knowledge-base.js";
import { RefreshInterruptedError } from "../functions/refresh/stages.js";
import { stackClientConfig, stackConnectorSteps, writeClientConfig } from "./client-config.js";
import { readStackOutputs, requireOutput, stackAwsEnv } from "./stack-outputs.js";
import { localClientConfig, runDev } from "./dev.js";
import { searchDeployed } from "./remote-search.js";
import { rollbackCollection } from "../functions/core/bundle-versions.js";
import { describeVersions, listCollectionVersions } from "./index-versions.js";
import { describeOutcomes, refreshDeployed, refreshLocally } from "./refresh.js";
import { describeSummary, indexFolder } from "./index-folder.js";
import { stderrProgress } from "./progress.js";

const isConnector = (client: string): client is ConnectorKind =>
  (CONNECTOR_KINDS as string[]).includes(client);

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a whole number");
  return n;
};

function quietUnlessAsked(level: "ERROR" | "WARN" | "INFO") {
  if (!process.env[ENV.THOTH_LOG_LEVEL]) logger.setLogLevel(level);
}

/** The data dir's store, or with `--stack` the deployed stack's bundle bucket (AWS credentials from the environment). */
async function storeFor(stack: string | undefined) {
  if (!stack) return (await createRuntime(parseRuntimeEnv(process.env))).store;
  const outputs = await readStackOutputs(stack);
  const env = {
    ...stackAwsEnv(outputs),
    [ENV.THOTH_BUNDLE_BUCKET]: requireOutput(outputs, "indexBucketName", stack),
  };
  return (await createRuntime(parseRuntimeEnv(env), env)).store;
}

const program = new Command()
  .enablePositionalOptions()
  .name("thoth")
  .description("Index documents and serve them to MCP clients (local mode of the Thoth platform).")
  .option(
    "--data-dir <dir>",
    `where the local object store lives (env ${ENV.THOTH_DATA_DIR}, default .thoth)`,
  )
  .hook("preAction", (cmd) => {
    const dataDir = cmd.opts<{ dataDir?: string }>().dataDir;
    if (dataDir) process.env[ENV.THOTH_DATA_DIR] = dataDir;
  });

program
  .command("dev")
  .description("index the sample handbook on first run, then serve MCP on http://127.0.0.1:8787/mcp")
  .option("-p, --port <port>", `port (env ${ENV.PORT})`, positiveInt)
  .option("--host <host>", "interface to bind (loopback by default)", "127.0.0.1")
  .option(
    "--oauth",
    "also serve the OAuth endpoint (/mcp/oauth), with a local OpenID provider and test users",
  )
  .option(
    "--oauth-port <port>",
    "the local OpenID provider's port (default: the server's port + 1)",
    positiveInt,
  )
  .option(
    "--workers <n>",
    "processes answering on the port, each holding the collections in memory (default 1)",
    positiveInt,
  )
  .action(
    async (opts: { port?: number; host: string; oauth?: boolean; oauthPort?: number; workers?: number }) => {
      quietUnlessAsked("INFO");
      const port = opts.port ?? (process.env[ENV.PORT] ? positiveInt(process.env[ENV.PORT]!) : DEFAULT_PORT);
      const oauthPort =
        opts.oauth || opts.oauthPort !== undefined ? (opts.oauthPort ?? (port ? port + 1 : 0)) : undefined;
      const server = await runDev({
        port,
        host: opts.host,
        log: (line) => console.error(line),
        ...(oauthPort !== undefined ? { oauthPort } : {}),
        ...(opts.workers ? { workers: opts.workers } : {}),
      });
      const stop = () => void server.close().then(() => process.exit(0));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    },
  );

const index = program
  .command("index")
  .description("index a folder into a collection; or list and roll back a collection's versions")
  .argument("<folder>", "the folder to index (Markdown, text, HTML)")
  .option("-c, --collection <name>", "collection name (lowercase, digits, dashes); required")
  .option("--json", "print one JSON summary line")
  .option("-v, --verbose", "list every skipped file with its reason")
  .option(
    "--url-template <template>",
    "where people read each document, for citations: e.g. https://handbook.example.com/{path} ({path} drops the extension, {file} keeps it)",
  )
  .enablePositionalOptions()
  .action(
    async (
      folder: string,
      opts: { collection?: string; json?: boolean; verbose?: boolean; urlTemplate?: string },
    ) => {
      quietUnlessAsked("WARN");
      if (!opts.collection)
        throw new Error("pass the collection to index into: thoth index <folder> --collection <name>");
      const env = parseRuntimeEnv(process.env);
      const summary = await indexFolder({
        folder,
        collection: opts.collection,
        env,
        progress: stderrProgress(),
        urlTemplate: opts.urlTemplate,
      });
      console.log(opts.json ? JSON.stringify(summary) : describeSummary(summary, opts.verbose));
      if (!opts.json && summary.published) {
        const seconds = pointerCheckSeconds(env);
        console.log(
          `A running thoth dev on this data dir serves ${summary.collection}@${summary.version} within ${seconds} s (its next request after that).`,
        );
      }
    },
  );

index
  .command("list")
  .description("list a collection's kept versions (* marks the live one)")
  .requiredOption("-c, --collection <name>", "the collection")
  .option(
    "-s, --stack <name>",
    "a deployed stack's bundle bucket (from pulumi stack output) instead of the data dir",
  )
  .option("--json", "print JSON")
  .action(async (opts: { collection: string; stack?: string; json?: boolean }) => {
    quietUnlessAsked("WARN");
    const rows = await listCollectionVersions(await storeFor(opts.stack), opts.collection);
    console.log(opts.json ? JSON.stringify(rows) : describeVersions(rows));
  });

index
  .command("rollback")
  .description("move a collection's live pointer back (to the previous version, or --to a kept one)")
  .requiredOption("-c, --collection <name>", "the collection")
  .option("--to <version>", "the version to make live")
  .option(
    "-s, --stack <name>",
    "a deployed stack's bundle bucket (from pulumi stack output) instead of the data dir",
  )
  .action(async (opts: { collection: string; to?: string; stack?: string }) => {
    quietUnlessAsked("WARN");
    const store = await storeFor(opts.stack);
    const { from, to } = await rollbackCollection(store, opts.collection, opts.to);
    console.log(`${opts.collection}: live version moved from ${from} to ${to}`);
  });

program
  .command("refresh")
  .description("re-run the refresh job: locally (the same pipeline), or on a deployed stack with --stack")
  .option("-c, --collection <name...>", "only these collections")
  .option("-s, --stack <name>", "invoke the stack's deployed refresh function instead of running locally")
  .option("--config <stack>", "locally: take the collections from Pulumi.<stack>.yaml")
  .option("--keyword-only", "locally, without a model: replace hybrid collections with keyword-only versions")
  .option("--json", "print the outcomes as JSON")
  .option("-v, --verbose", "list every skipped file with its reason")
  .action(
    async (opts: {
      collection?: string[];
      stack?: string;
      config?: string;
      keywordOnly?: boolean;
      json?: boolean;
      verbose?: boolean;
    }) => {
      quietUnlessAsked("WARN");
      const only = opts.collection ?? [];
      const outcomes = opts.stack
        ? await refreshDeployed(opts.stack, only)
        : await refreshLocally({
            env: parseRuntimeEnv(process.env),
            only,
            ...(opts.config ? { configStack: opts.config } : {}),
            ...(opts.keywordOnly ? { keywordOnly: true } : {}),
            progress: stderrProgress(),
          });
      console.log(opts.json ? JSON.stringify(outcomes) : describeOutcomes(outcomes, opts.verbose));
      // 130 when Ctrl-C stopped a collection (as shells report it), else 1 when one failed.
      if (outcomes.some((o) => !o.ok && o.interrupted)) process.exitCode = 130;
      else if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
    },
  );

program
  .command("search")
  .description("search the local index without a server, or a deployed stack's server with --stack")
  .argument("<query>", "what to look for")
  .option("-c, --collection <name>", "search one collection")
  .addOption(
    new Option("-m, --mode <mode>", "search mode (default hybrid; keyword with a test model)").choices(
      SEARCH_MODES,
    ),
  )
  .option("-n, --limit <n>", "number of results", positiveInt, 5)
  .option("-s, --stack <name>", "ask the stack's deployed MCP server (URL and key from pulumi stack output)")
  .option("--json", "print the results as JSON")
  .option("-q, --quiet", "print the results only, without the notes on stderr")
  .action(
    async (
      query: string,
      opts: {
        collection?: string;
        mode?: SearchMode;
        limit: number;
        stack?: string;
        json?: boolean;
        quiet?: boolean;
      },
    ) => {
      // The notes printed below say once what the log would say again (a missing model, say).
      quietUnlessAsked("ERROR");
      const request = {
        query,
        ...(opts.mode ? { mode: opts.mode } : {}),
        limit: opts.limit,
        ...(opts.collection ? { collection: opts.collection } : {}),
      };
      const notes: string[] = [];
      let result;
      if (opts.stack) {
        result = await searchDeployed({ stack: opts.stack, ...request });
      } else {
        const kb = await KnowledgeBase.open(await createModelRuntime(parseRuntimeEnv(process.env)));
        result = await kb.search(request);
        notes.push(...kb.failures().map((f) => `${f.collection} is not searched: ${f.reason}`));
      }
      notes.unshift(...result.notices);
      if (!opts.quiet) for (const note of notes) console.error(`note: ${note}`);
      if (opts.json) {
        console.log(JSON.stringify(result));
        return;
      }
      if (!result.results.length) console.log(`No results (${result.mode}).`);
      result.results.forEach((hit, i) =>
        console.log(`${i + 1}. ${citation(hit)}  score ${hit.score}\n   ${hit.snippet}`),
      );
    },
  );

program
  .command("client-config")
  .description(
    "print (or write) an MCP client configuration: for a deployed stack (from `pulumi stack output`), or --local",
  )
  .option("-s, --stack <name>", "the Pulumi stack, e.g. dev or prod")
  .option("--local", "the local server (thoth dev / npm start) and its key")
  .addOption(
    new Option(
      "--client <client>",
      "which client (claude-ai and chatgpt sign in with OAuth: their steps are printed)",
    )
      .choices([...CLIENT_KINDS, ...CONNECTOR_KINDS])
      .default("claude"),
  )
  .option(
    "-o, --out <file>",
    "write to this file (mode 600: it holds an API key) instead of printing; an existing client file keeps its other servers",
  )
  .option("--force", "with --out: replace a file that cannot be merged into")
  .action(
    async (opts: {
      stack?: string;
      local?: boolean;
      client: ClientKind | ConnectorKind;
      out?: string;
      force?: boolean;
    }) => {
      if (!!opts.stack === !!opts.local) throw new Error("pass either --stack <name> or --local");
      if (isConnector(opts.client)) {
        if (opts.local)
          throw new Error(
            `${opts.client} connects from its own servers, which cannot reach a server on this machine: deploy a stack (\`pulumi up\`), then run this with --stack. To try the sign-in locally, use \`npm start -- --oauth\` and the MCP Inspector.`,
          );
        if (opts.out)
          throw new Error(`${opts.client} is set up in its own settings, not from a file: drop --out`);
        console.log(await stackConnectorSteps({ stack: opts.stack!, client: opts.client }));
        return;
      }
      const client = opts.client;
      let config: string;
      if (opts.stack) {
        config = await stackClientConfig({ stack: opts.stack, client });
      } else {
        const local = await localClientConfig(client);
        for (const note of local.notes) console.error(`note: ${note}`);
        config = local.config;
      }
      if (!opts.out) {
        console.log(config);
        return;
      }
      const outcome = await writeClientConfig(opts.out, config, opts.force);
      const verb = { created: "wrote", merged: "merged", replaced: "replaced" }[outcome];
      console.error(
        `${verb} the ${opts.client} configuration for ${opts.stack ? `stack ${opts.stack}` : "the local server"} ${outcome === "merged" ? "into" : "to"} ${opts.out}`,
      );
    },
  );

try {
  await program.parseAsync();
} catch (error) {
  console.error(`thoth: ${error instanceof Error ? error.message : String(error)}`);
  // 130: stopped by Ctrl-C, as shells report it.
  process.exitCode = error instanceof RefreshInterruptedError ? 130 : 1;
}
