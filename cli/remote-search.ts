import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { SearchHit } from "../functions/core/contracts.js";
import type { SearchMode } from "../shared/types.js";
import { readStackOutputs, requireOutput } from "./stack-outputs.js";

export interface RemoteSearchResult {
  mode: SearchMode;
  results: SearchHit[];
  notices: string[];
}

/**
 * `thoth search --stack <name>`: the deployed server answers, through the MCP SDK client over HTTPS, with the
 * stack's URL and API key from `pulumi stack output` — the check that a deploy serves what it should.
 */
export async function searchDeployed(options: {
  stack: string;
  query: string;
  /** Unset: the server's default (hybrid, or keyword with a test model). */
  mode?: SearchMode | undefined;
  limit: number;
  collection?: string;
  cwd?: string;
}): Promise<RemoteSearchResult> {
  const outputs = await readStackOutputs(options.stack, options.cwd);
  const url = requireOutput(outputs, "mcpUrl", options.stack);
  const apiKey = requireOutput(outputs, "mcpApiKey", options.stack);
  const client = new Client({ name: "thoth-cli", version: "1.0.0" });
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
      }),
    );
    const answer = await client.callTool({
      name: "search_documents",
      arguments: {
        query: options.query,
        ...(options.mode ? { mode: options.mode } : {}),
        limit: options.limit,
        ...(options.collection ? { collection: options.collection } : {}),
      },
    });
    const text = (answer.content as { type: string; text?: string }[]).find((c) => c.type === "text")?.text;
    if (answer.isError) throw new Error(`${url} answered: ${text ?? "an error"}`);
    const { mode, results, notices } = answer.structuredContent as {
      mode: SearchMode;
      results: SearchHit[];
      notices: string[];
    };
    return { mode, results, notices };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`searching stack "${options.stack}" at ${url} failed: ${message}`, { cause: error });
  } finally {
    await client.close().catch(() => {});
  }
}
