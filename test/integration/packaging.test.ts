import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { loadTransformersEmbedder } from "../../functions/adapters/ml/transformers-embedder.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { IMAGE_MODEL_DIR } from "../../shared/names.js";
import { MODEL_FILES, ModelFetchError, fetchModel } from "../../scripts/fetch-model.js";
import { describeSizes, packageArtifacts, type SizeReport } from "../../scripts/package.js";
import { REPO_ROOT, SAMPLE_HANDBOOK, tempDir } from "../helpers/folders.js";
import { codecs } from "../helpers/knowledge-base.js";
import { node22 } from "../helpers/node22.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

const exec = promisify(execFile);

describe("npm run package", () => {
  let out: string;
  let reports: SizeReport[];

  beforeAll(async () => {
    out = await tempDir("thoth-dist-");
    reports = await packageArtifacts(out);
  }, 120_000);

  it("reports sizes within Lambda's limits", () => {
    expect(reports.map((r) => r.name)).toEqual(["mcp function code", "mcp layer", "refresh image context"]);
    const lines = describeSizes(reports, false).join("\n");
    expect(lines).toMatch(/of Lambda's 250\.0 MB limit \(ok\)/);
    expect(lines).toMatch(/function zip: .* \(ok\)/);
    expect(lines).toMatch(/keyword search only/);
  });

  it("keeps native modules out of the bundle and only linux-x64 binaries in the layer", async () => {
    const bundle = await readFile(join(out, "mcp-server", "index.mjs"), "utf8");
    expect(bundle).toContain('"hnswlib-node"');
    expect(bundle).not.toContain("HierarchicalNSW.prototype");
    const ort = join(out, "layer", "nodejs", "node_modules", "onnxruntime-node", "bin", "napi-v3");
    expect(existsSync(join(ort, "linux", "x64"))).toBe(true);
    for (const other of ["darwin", "win32", "linux/arm64"]) expect(existsSync(join(ort, other))).toBe(false);
    expect(
      existsSync(
        join(out, "layer", "nodejs", "node_modules", "hnswlib-node", "build", "Release", "addon.node"),
      ),
    ).toBe(true);
  });

  it("writes a refresh build context whose Dockerfile matches the contract", async () => {
    const dockerfile = await readFile(join(out, "refresh", "Dockerfile"), "utf8");
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.every((image) => image === "public.ecr.aws/lambda/nodejs:22")).toBe(true);
    expect(dockerfile).toMatch(/^CMD \["index\.handler"\]$/m);
    expect(dockerfile).toContain(`ENV THOTH_MODEL_DIR=${IMAGE_MODEL_DIR}`);
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) {
      expect(existsSync(join(out, "refresh", source!)), `COPY ${source}`).toBe(true);
    }
    expect(existsSync(join(out, "refresh", "app", "index.mjs"))).toBe(true);
    expect(existsSync(join(out, "refresh", "app", "node_modules", "hnswlib-node"))).toBe(true);
  });

  it("runs self-contained on Node 22, laid out as Lambda does, and answers over an API Gateway v2 event", async () => {
    const node = await node22();
    // Function code and layer in folders of their own, far from the repo's node_modules.
    const lambda = await tempDir("thoth-lambda-");
    await cp(join(out, "mcp-server"), join(lambda, "task"), { recursive: true });
    await cp(join(out, "layer"), join(lambda, "opt"), { recursive: true });
    await cp(await tinyModelDir(), join(lambda, "opt", "model"), { recursive: true });
    // A bundle built with the same model, so the layer's hnswlib-node and transformers.js both run.
    const data = join(lambda, "data");
    const embedder = await loadTransformersEmbedder({
      modelDir: join(lambda, "opt", "model"),
      modelId: "thoth/tiny",
    });
    await refreshCollection({
      collection: "handbook",
      source: new LocalFolderSource(SAMPLE_HANDBOOK),
      store: new FsObjectStore(join(data, "store")),
      embedder,
      ...codecs,
    });
    const runner = join(lambda, "invoke.mjs");
    await writeFile(
      runner,
      `const { handler } = await import(${JSON.stringify(join(lambda, "task", "index.mjs"))});
const event = (body) => ({ version: "2.0", rawPath: "/mcp", rawQueryString: "", isBase64Encoded: false,
  headers: { host: "api.example.com", "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer layer-key" },
  requestContext: { http: { method: "POST" }, domainName: "api.example.com" }, body: JSON.stringify(body) });
const results = [];
results.push(await handler(event({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } })));
results.push(await handler(event({ jsonrpc: "2.0", id: 2, method: "tools/list" })));
results.push(await handler(event({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "search_documents", arguments: { query: "rotate the on-call pager", mode: "semantic", limit: 3 } } })));
process.stdout.write("RESULTS " + JSON.stringify(results) + "\\n");
`,
    );
    const { stdout } = await exec(node, [runner], {
      cwd: lambda,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_PATH: join(lambda, "opt", "nodejs", "node_modules"),
        THOTH_API_KEY: "layer-key",
        THOTH_DATA_DIR: data,
        THOTH_MODEL_DIR: join(lambda, "opt", "model"),
        THOTH_EMBEDDING_MODEL: "thoth/tiny",
        THOTH_LOG_LEVEL: "WARN",
      },
    });
    const results = JSON.parse(stdout.split("RESULTS ")[1]!) as { statusCode: number; body: string }[];
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    const [init, list, search] = results.map((r) => JSON.parse(r.body));
    expect(init.result.serverInfo.name).toBe("thoth");
    expect(list.result.tools).toHaveLength(5);
    expect(search.result.structuredContent.mode).toBe("semantic");
    expect(search.result.structuredContent.results[0].path).toMatch(/^on-call\//);
  }, 180_000);
});

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
