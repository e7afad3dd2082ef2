import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { s3Client } from "../../functions/adapters/aws/s3-object-store.js";
import { S3ObjectStore } from "../../functions/adapters/aws/s3-object-store.js";
import { IMAGE_MODEL_DIR, SAMPLE_PREFIX } from "../../shared/names.js";
import { installRuntimeModules, layOutImage } from "../../scripts/image-layout.js";
import { checkNativeModules } from "../../scripts/native-check.js";
import { MODEL_FILES, ModelFetchError, fetchModel } from "../../scripts/fetch-model.js";
import { contentTag, describeSizes, packageArtifacts, type SizeReport } from "../../scripts/package.js";
import { BASE_IMAGE_TAG, readBaseImage } from "../../scripts/base-image.js";
import { sourcesFingerprint } from "../../shared/artifacts.js";
import { REPO_ROOT, SAMPLE_HANDBOOK, tempDir } from "../helpers/folders.js";
import { startS3 } from "../../scripts/emulators.js";
import { node22 } from "../../scripts/node22.js";
import { tinyModelDir } from "../helpers/tiny-model.js";
import { TOOL_NAMES } from "../../functions/mcp-server/tools/index.js";
import { TEST_ISSUER, startTestIssuer } from "../helpers/test-issuer.js";

const exec = promisify(execFile);
const BUCKET = "thoth-image-test";

describe("npm run package", () => {
  let out: string;
  let context: string;
  let reports: SizeReport[];

  beforeAll(async () => {
    out = await tempDir("thoth-dist-");
    reports = await packageArtifacts(out);
    context = join(out, "image");
  }, 120_000);

  it("reports the sizes of what goes into the images", () => {
    expect(reports.map((r) => r.name)).toEqual([
      "mcp handler bundle",
      "refresh handler bundle",
      "model",
      "mcp image context",
      "refresh image context",
    ]);
    const lines = describeSizes(reports, false).join("\n");
    expect(lines).toMatch(/built from the context by `pulumi up` on public\.ecr\.aws\/lambda\/nodejs:22/);
    expect(lines).toMatch(/keyword search only/);
  });

  it("ships no native file from this machine: natives are compiled by the Dockerfile in the Lambda image", async () => {
    const bundle = await readFile(join(context, "mcp", "app", "index.mjs"), "utf8");
    expect(bundle).toContain('"hnswlib-node"');
    expect(bundle).not.toContain("HierarchicalNSW.prototype");
    expect(await checkNativeModules([context])).toEqual([]);
    expect(existsSync(join(context, "node_modules"))).toBe(false);
  });

  it("writes each image its own context: one Dockerfile that compiles in the Lambda image, checks, and copies the app", async () => {
    for (const target of ["mcp", "refresh"]) {
      const own = join(context, target);
      const dockerfile = await readFile(join(own, "Dockerfile"), "utf8");
      expect(readBaseImage(dockerfile).tagged).toBe(BASE_IMAGE_TAG);
      const froms = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?/gm)].map((m) => [m[1], m[2]]);
      expect(froms).toEqual([
        ["${BASE_IMAGE}", "deps"],
        ["${BASE_IMAGE}", "runtime"],
        ["runtime", "function"],
      ]);
      expect(dockerfile).toMatch(
        /^RUN .*npm_config_nodedir.*\\\n\s+npm ci --omit=dev --no-audit --no-fund --foreground-scripts$/m,
      );
      // The native check follows the platform the image is built for (linux/amd64 or linux/arm64).
      expect(dockerfile).toMatch(/^ARG TARGETARCH$/m);
      expect(dockerfile).toContain(
        'RUN node check-native.mjs node_modules --arch "$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" --prune-other-platforms',
      );
      expect(dockerfile).toMatch(/^COPY model\/ \$\{LAMBDA_TASK_ROOT\}\/model\/$/m);
      expect(dockerfile).toMatch(/^COPY app\/ \$\{LAMBDA_TASK_ROOT\}\/$/m);
      expect(dockerfile.match(/^CMD \["index\.handler"\]$/gm)).toHaveLength(1);
      for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
        for (const part of source!.split(" "))
          expect(existsSync(join(own, part)), `${target}: COPY ${part}`).toBe(true);
      }
    }
    expect(`/var/task/model`).toBe(IMAGE_MODEL_DIR);
    // Each context holds only its own function: a change to the other cannot touch it.
    expect(await readdir(join(context, "mcp", "app"))).toEqual(["index.mjs", "index.mjs.map"]);
    expect((await readdir(join(context, "refresh", "app"))).sort()).toEqual([
      "build-worker.mjs",
      "build-worker.mjs.map",
      "index.mjs",
      "index.mjs.map",
      "parse-worker.mjs",
      "parse-worker.mjs.map",
    ]);
    const tags = JSON.parse(await readFile(join(context, "image-tags.json"), "utf8"));
    expect(tags).toEqual({
      mcp: await contentTag(join(context, "mcp"), "mcp"),
      refresh: await contentTag(join(context, "refresh"), "refresh"),
    });
    expect(JSON.parse(await readFile(join(context, "sources.json"), "utf8"))).toEqual({
      sha256: sourcesFingerprint(REPO_ROOT),
    });
  });

  it("packages the same sources into byte-identical contexts (so an unchanged function is never rebuilt)", async () => {
    const again = await tempDir("thoth-dist-again-");
    await packageArtifacts(again);
    for (const target of ["mcp", "refresh"])
      expect(await contentTag(join(again, "image", target), target)).toBe(
        await contentTag(join(context, target), target),
      );
  }, 120_000);

  it("pins the runtime modules to the repo's lockfile, every platform's optional binaries included", async () => {
    const lock = JSON.parse(await readFile(join(context, "mcp", "deps", "package-lock.json"), "utf8"));
    const root = JSON.parse(await readFile(join(REPO_ROOT, "package-lock.json"), "utf8"));
    for (const key of [
      "node_modules/hnswlib-node",
      "node_modules/sharp",
      "node_modules/@img/sharp-linux-x64",
    ]) {
      expect(lock.packages[key].integrity, key).toBe(root.packages[key].integrity);
    }
    expect(lock.packages["node_modules/@img/sharp-darwin-arm64"]).toBeDefined();
    expect(Object.keys(lock.packages).some((k) => k.includes("@pulumi/"))).toBe(false);
    expect(
      JSON.parse(await readFile(join(context, "mcp", "deps", "package.json"), "utf8")).overrides,
    ).toEqual({
      sharp: "0.34.5",
    });
  });

  it("builds as the Dockerfile does, and both packaged handlers serve the sample handbook on Node 22 from /var/task alone", async () => {
    const node = await node22();
    const work = await tempDir("thoth-image-");
    // The Dockerfile's deps stage: npm ci from the context's lockfile (hnswlib-node compiled from its sources),
    // prune, native check. Done here with this machine's compiler, since no Docker engine runs here.
    const modules = await installRuntimeModules(join(context, "mcp"), work);
    expect(existsSync(join(modules, "hnswlib-node", "build", "Release", "addon.node"))).toBe(true);
    const model = await tinyModelDir();
    const mcpTask = await layOutImage(join(context, "mcp"), modules, join(work, "mcp-task"), model);
    const refreshTask = await layOutImage(
      join(context, "refresh"),
      modules,
      join(work, "refresh-task"),
      model,
    );

    const s3 = await startS3(BUCKET);
    const issuer = await startTestIssuer();
    try {
      // What `pulumi up` uploads with sampleHandbook: true.
      const bucket = new S3ObjectStore(s3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint }), BUCKET);
      for (const file of await listFiles(SAMPLE_HANDBOOK)) {
        await bucket.put(`${SAMPLE_PREFIX}${relative(SAMPLE_HANDBOOK, file)}`, await readFile(file));
      }
      // A page large enough to be parsed in the refresh's worker thread (parse-worker.mjs beside the bundle).
      const longPage = `# Travel handbook\n\n${"Book trains before flights when the trip is under four hours. ".repeat(600)}`;
      await bucket.put(`${SAMPLE_PREFIX}travel/long-guide.md`, longPage);
      const env = {
        PATH: process.env.PATH ?? "",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "S3RVER",
        AWS_SECRET_ACCESS_KEY: "S3RVER",
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        THOTH_BUNDLE_BUCKET: BUCKET,
        THOTH_DATA_DIR: join(work, "data"),
        THOTH_MODEL_DIR: `${mcpTask}/model`,
        THOTH_EMBEDDING_MODEL: "thoth/tiny",
        THOTH_LOG_LEVEL: "WARN",
        POWERTOOLS_METRICS_DISABLED: "true",
      };
      // The refresh function, as the stack configures it: the sample collection from the stack's own bucket.
      const refreshRunner = join(work, "refresh.mjs");
      await writeFile(
        refreshRunner,
        `const { handler } = await import(${JSON.stringify(join(refreshTask, "index.mjs"))});
process.stdout.write("RESULT " + JSON.stringify(await handler({})) + "\\n");`,
      );
      const refreshed = await exec(node, [refreshRunner], {
        cwd: refreshTask,
        env: {
          ...env,
          THOTH_MODEL_DIR: `${refreshTask}/model`,
          // The keyword index on its worker thread (build-worker.mjs beside the bundle), however small.
          THOTH_KEYWORD_WORKER_CHUNKS: "0",
          THOTH_COLLECTIONS: JSON.stringify([
            { name: "handbook", description: "", source: { type: "s3", prefix: SAMPLE_PREFIX } },
          ]),
        },
      });
      const result = JSON.parse(refreshed.stdout.split("RESULT ")[1]!);
      expect(result.ok).toBe(true);
      expect(result.outcomes[0].summary).toMatchObject({ published: true, documentsSkipped: 0 });
      expect(result.outcomes[0].summary.documentsIndexed).toBe((await listFiles(SAMPLE_HANDBOOK)).length + 1);
      expect(result.outcomes[0].summary.chunksEmbedded).toBeGreaterThan(0);

      const runner = join(work, "invoke.mjs");
      await writeFile(
        runner,
        `const { handler } = await import(${JSON.stringify(join(mcpTask, "index.mjs"))});
const event = (body, extra = {}) => ({ version: "2.0", rawPath: "/mcp", rawQueryString: "", isBase64Encoded: false,
  headers: { host: "api.example.com", "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer image-key", ...extra },
  requestContext: { http: { method: "POST" }, domainName: "api.example.com" }, body: JSON.stringify(body) });
const results = [];
results.push(await handler(event({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } })));
results.push(await handler(event({ jsonrpc: "2.0", id: 2, method: "tools/list" })));
results.push(await handler(event({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "search_documents", arguments: { query: "rotate the on-call pager", mode: "semantic", limit: 3 } } })));
const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}, "io.modelcontextprotocol/clientInfo": { name: "t", version: "1" } };
results.push(await handler(event({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "list_collections", arguments: {}, _meta: meta } }, { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "list_collections" })));
const oauth = (body, headers) => ({ ...event(body, headers), rawPath: "/mcp/oauth" });
results.push(await handler({ ...event(undefined), rawPath: "/.well-known/oauth-protected-resource/mcp/oauth", requestContext: { http: { method: "GET" }, domainName: "api.example.com" }, body: undefined }));
results.push(await handler(oauth({ jsonrpc: "2.0", id: 5, method: "tools/list" }, { authorization: undefined, "mcp-protocol-version": "2025-06-18" })));
results.push(await handler(oauth({ jsonrpc: "2.0", id: 6, method: "tools/call", params: { name: "list_collections", arguments: {} } }, { authorization: "Bearer " + process.env.OAUTH_TOKEN, "mcp-protocol-version": "2025-06-18" })));
process.stdout.write("RESULTS " + JSON.stringify(results) + "\\n");
`,
      );
      // The OAuth endpoint too: jose, bundled, checks a token against a JWKS on loopback.
      const resource = "https://api.example.com/mcp/oauth";
      const { stdout } = await exec(node, [runner], {
        cwd: mcpTask,
        env: {
          ...env,
          THOTH_API_KEY: "image-key",
          THOTH_OAUTH: JSON.stringify({
            issuer: TEST_ISSUER,
            jwksUrl: issuer.jwksUrl,
            audiences: [resource],
            groups: [{ group: "eng" }],
          }),
          OAUTH_TOKEN: await issuer.sign({ aud: resource, groups: ["eng"] }),
        },
      });
      const results = JSON.parse(stdout.split("RESULTS ")[1]!) as {
        statusCode: number;
        body: string;
        headers: Record<string, string>;
      }[];
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 401, 200]);
      const [init, list, search, modern, metadata, , signedIn] = results.map((r) => JSON.parse(r.body));
      expect(metadata).toMatchObject({ resource, authorization_servers: [TEST_ISSUER] });
      expect(results[5]!.headers["www-authenticate"]).toContain(
        'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp/oauth"',
      );
      expect(signedIn.result.structuredContent.collections[0].name).toBe("handbook");
      expect(init.result.serverInfo.name).toBe("thoth");
      expect(list.result.tools.map((t: { name: string }) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
      expect(search.result.structuredContent.mode).toBe("semantic");
      expect(search.result.structuredContent.results[0].path).toMatch(/^on-call\//);
      // A 2026-07-28 request (no initialize; envelope and routing headers) through the packaged handler.
      expect(modern.result.resultType).toBe("complete");
      expect(modern.result.structuredContent.collections[0].name).toBe("handbook");

      // The addon of another machine (here: this one's, relabelled AArch64): the function still starts, answers
      // in keyword mode, and heartbeat says why, instead of every request failing at init. (list_documents first:
      // it waits for the collection's whole version, which is where the vector codec is tried.)
      const addon = join(mcpTask, "node_modules", "hnswlib-node", "build", "Release", "addon.node");
      const foreign = await readFile(addon);
      foreign.writeUInt16LE(183, 18);
      await writeFile(addon, foreign);
      const degradedRunner = join(work, "degraded.mjs");
      await writeFile(
        degradedRunner,
        (await readFile(runner, "utf8"))
          .replace(
            /results\.push\(await handler\(event\(\{ jsonrpc: "2\.0", id: 2[^\n]*\n/,
            'results.push(await handler(event({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "list_documents", arguments: {} } })));\n' +
              'results.push(await handler(event({ jsonrpc: "2.0", id: 20, method: "tools/call", params: { name: "heartbeat", arguments: {} } })));\n',
          )
          .replace('mode: "semantic"', 'mode: "hybrid"'),
      );
      const degraded = await exec(node, [degradedRunner], {
        cwd: mcpTask,
        env: { ...env, THOTH_API_KEY: "image-key" },
      });
      const after = JSON.parse(degraded.stdout.split("RESULTS ")[1]!) as {
        statusCode: number;
        body: string;
      }[];
      // (Without THOTH_OAUTH here, the OAuth requests after these five are 404.)
      expect(after.slice(0, 5).map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
      const heartbeat = JSON.parse(after[2]!.body).result.structuredContent;
      expect(heartbeat.status).toBe("degraded");
      expect(heartbeat.degraded.join("\n")).toMatch(/hnswlib-node cannot be loaded/);
      const fallback = JSON.parse(after[3]!.body).result.structuredContent;
      expect(fallback.mode).toBe("keyword");
      expect(fallback.results.length).toBeGreaterThan(0);
    } finally {
      await s3.close();
      await issuer.close();
    }
  }, 300_000);
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("npm run model:fetch", () => {
  it("downloads every model file from the hub into the transformers.js layout", async () => {
    const server = createServer((req, res) => {
      const file = /^\/Xenova\/all-MiniLM-L6-v2\/resolve\/main\/(.+)$/.exec(req.url ?? "")?.[1];
      res.writeHead(file && MODEL_FILES.includes(file) ? 200 : 404).end(file ? `content of ${file}` : "");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const outDir = await tempDir();
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const files = await fetchModel({ modelId: "Xenova/all-MiniLM-L6-v2", outDir, endpoint });
      expect(files).toHaveLength(MODEL_FILES.length);
      expect(await readFile(join(outDir, "Xenova/all-MiniLM-L6-v2/onnx/model_quantized.onnx"), "utf8")).toBe(
        "content of onnx/model_quantized.onnx",
      );
      await expect(fetchModel({ modelId: "nobody/missing", outDir, endpoint })).rejects.toThrow(
        /HTTP 404.*"nobody\/missing"/,
      );
    } finally {
      server.close();
    }
  });

  it("fails with a clear message, not a stack trace, when the hub is unreachable", async () => {
    const outDir = await tempDir();
    await mkdir(outDir, { recursive: true });
    await expect(
      fetchModel({ modelId: "Xenova/all-MiniLM-L6-v2", outDir, endpoint: "http://127.0.0.1:9" }),
    ).rejects.toThrow(ModelFetchError);
    const result = await exec("npm", ["run", "--silent", "model:fetch", "--", "--out", outDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, HF_ENDPOINT: "http://127.0.0.1:9" },
    }).catch((e: { code: number; stderr: string }) => e);
    expect("code" in result && result.code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(
      /^model:fetch: could not reach http:\/\/127\.0\.0\.1:9 .* needs internet access/m,
    );
    expect((result as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
  });
});
