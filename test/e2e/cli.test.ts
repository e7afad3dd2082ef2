import { execFile, spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, SAMPLE_HANDBOOK, folderWith, tempDir } from "../helpers/folders.js";
import { needsShared, sharedPath } from "../helpers/shared-materials.js";

const exec = promisify(execFile);

async function thoth(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(REPO_ROOT, "bin/thoth.js"), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, THOTH_LOG_LEVEL: "", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("thoth command", () => {
  let modelDir: string;

  beforeAll(async () => {
    modelDir = await tempDir("thoth-cli-model-");
    // The script a user runs: npm run model:tiny -- <dir>
    const { stdout } = await exec("npm", ["run", "--silent", "model:tiny", "--", modelDir], {
      cwd: REPO_ROOT,
    });
    expect(stdout).toContain("wrote thoth/tiny");
  });

  it("npm run model:tiny writes a transformers.js model directory", () => {
    for (const file of [
      "config.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "onnx/model.onnx",
      "onnx/model_quantized.onnx",
    ]) {
      expect(existsSync(join(modelDir, "thoth/tiny", file))).toBe(true);
    }
  });

  it("index --json prints one summary line, and search --json finds the page", async () => {
    const env = {
      THOTH_DATA_DIR: await tempDir(),
      THOTH_MODEL_DIR: modelDir,
      THOTH_EMBEDDING_MODEL: "thoth/tiny",
    };
    const indexed = await thoth(["index", SAMPLE_HANDBOOK, "--collection", "handbook", "--json"], env);
    expect(indexed.code).toBe(0);
    const lines = indexed.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(summary).toMatchObject({ collection: "handbook", model: "thoth/tiny", documentsSkipped: 0 });
    expect(summary.chunksEmbedded).toBe(summary.chunks);
    for (const key of ["documentsSeen", "documentsIndexed", "version", "durationMs"])
      expect(summary).toHaveProperty(key);

    const found = await thoth(
      ["search", "what are the severity levels of incidents", "--json", "--limit", "3"],
      env,
    );
    expect(found.code).toBe(0);
    const result = JSON.parse(found.stdout);
    // The tiny model is a test model: keyword ranking by default, and a notice says so.
    expect(result.mode).toBe("keyword");
    expect(result.notices.join(" ")).toMatch(/thoth\/tiny is a generated test model/);
    expect(result.results[0].path).toBe("incidents/severity-levels.md");
    const hybrid = await thoth(["search", "severity levels of incidents", "--json", "--mode", "hybrid"], env);
    expect(JSON.parse(hybrid.stdout).mode).toBe("hybrid");
    // The same names as the MCP tools: `results`, and a hit's `id` is the id get_document takes.
    expect(Object.keys(result).sort()).toEqual(["mode", "notices", "results"]);
    expect(result.results[0]).toHaveProperty("id");
    expect(result.results[0]).not.toHaveProperty("docId");
  });

  it("shows progress lines without a terminal, stops cleanly on Ctrl-C, and the next run resumes", async (context) => {
    needsShared(context, "corpora/sourcegraph-handbook/company-info-and-process");
    const env = {
      ...process.env,
      THOTH_LOG_LEVEL: "",
      THOTH_DATA_DIR: await tempDir(),
      THOTH_MODEL_DIR: modelDir,
      THOTH_EMBEDDING_MODEL: "thoth/tiny",
    };
    // The real handbook's company section (~2,000 chunks: seconds of embedding, so there is time to interrupt).
    const folder = sharedPath("corpora/sourcegraph-handbook/company-info-and-process");
    const args = [join(REPO_ROOT, "bin/thoth.js"), "index", folder, "-c", "handbook"];
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // Once embedding has started, and some batches are done: Ctrl-C.
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (!stderr.includes("handbook: embedded 0/")) return;
        clearInterval(poll);
        setTimeout(() => (child.kill("SIGINT"), resolve()), 3000);
      }, 50);
      child.once(
        "exit",
        () => (clearInterval(poll), reject(new Error(`exited before embedding: ${stderr}`))),
      );
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/^loading the embedding model thoth\/tiny…$/m);
    expect(stderr).toMatch(/^handbook: reading documents… \d+ so far$/m);
    expect(stderr).toMatch(
      /stopping at the next safe point: no version goes live from here on, and the embeddings finished so far are kept/,
    );
    const kept = Number(/interrupted after embedding (\d+) of (\d+) chunks; they are kept/.exec(stderr)?.[1]);
    expect(kept).toBeGreaterThan(0);

    const resumed = await thoth(["index", folder, "-c", "handbook", "--json"], env);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout) as {
      chunks: number;
      chunksEmbedded: number;
      chunksResumed: number;
    };
    expect(summary.chunksResumed).toBeGreaterThanOrEqual(kept);
    expect(summary.chunksEmbedded + summary.chunksResumed).toBe(summary.chunks);
    // Rate and time left on the lines (non-terminal output), and a last line at 100%.
    expect(resumed.stderr).toMatch(/^handbook: embedded \d+\/\d+ chunks \(100%\), [\d.]+ chunks\/s$/m);
  });

  it("re-indexing an unchanged folder embeds 0 chunks; a changed file re-embeds only its own", async () => {
    const env = {
      THOTH_DATA_DIR: await tempDir(),
      THOTH_MODEL_DIR: modelDir,
      THOTH_EMBEDDING_MODEL: "thoth/tiny",
    };
    const folder = await folderWith({ "a.md": "# A\n\nAlpha page.", "b.md": "# B\n\nBravo page." });
    const first = JSON.parse((await thoth(["index", folder, "-c", "docs", "--json"], env)).stdout);
    expect(first).toMatchObject({ chunksEmbedded: 2, published: true });
    const second = JSON.parse((await thoth(["index", folder, "-c", "docs", "--json"], env)).stdout);
    expect(second).toMatchObject({ chunksEmbedded: 0, published: false, version: first.version });
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(folder, "b.md"), "# B\n\nBravo page, revised.");
    const refreshed = await thoth(["refresh", "--json"], env);
    expect(refreshed.code).toBe(0);
    expect(JSON.parse(refreshed.stdout)).toEqual([
      expect.objectContaining({
        collection: "docs",
        ok: true,
        summary: expect.objectContaining({ chunksEmbedded: 1, published: true }),
      }),
    ]);
  });

  it("lists versions and rolls the live pointer back and forth", async () => {
    const env = { THOTH_DATA_DIR: await tempDir() };
    const folder = await folderWith({ "a.md": "# A\n\nFirst." });
    const v1 = JSON.parse((await thoth(["index", folder, "-c", "docs", "--json"], env)).stdout).version;
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(folder, "a.md"), "# A\n\nSecond.");
    const v2 = JSON.parse((await thoth(["index", folder, "-c", "docs", "--json"], env)).stdout).version;
    const listed = JSON.parse((await thoth(["index", "list", "-c", "docs", "--json"], env)).stdout);
    expect(listed.map((r: { version: string; live: boolean }) => [r.version, r.live])).toEqual([
      [v1, false],
      [v2, true],
    ]);
    expect((await thoth(["index", "rollback", "-c", "docs"], env)).stdout).toContain(
      `moved from ${v2} to ${v1}`,
    );
    const found = JSON.parse((await thoth(["search", "first", "--json", "--mode", "keyword"], env)).stdout);
    expect(found.results[0].snippet).toBe("First.");
    expect((await thoth(["index", "rollback", "-c", "docs", "--to", v2], env)).stdout).toContain(
      `moved from ${v1} to ${v2}`,
    );
    const bad = await thoth(["index", "rollback", "-c", "docs", "--to", "nope"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/has no version nope; kept versions/);
  });

  it("says in a log line when it runs without a model", async () => {
    const folder = await folderWith({ "a.md": "# A\n\nText." });
    const result = await thoth(["index", folder, "-c", "docs"], { THOTH_DATA_DIR: await tempDir() });
    expect(result.code).toBe(0);
    // One readable line for a person (no JSON), JSON when asked.
    expect(result.stderr).toMatch(/^warn: embedding model unavailable; keyword search only \(modelId=/m);
    expect(result.stderr).not.toMatch(/"level"/);
    expect(result.stdout).toMatch(/no model: keyword search only/);
    const asked = await thoth(["index", folder, "-c", "docs"], {
      THOTH_DATA_DIR: await tempDir(),
      THOTH_LOG_FORMAT: "json",
    });
    const line = JSON.parse(asked.stderr.split("\n").find((l) => l.startsWith("{"))!) as Record<
      string,
      unknown
    >;
    expect(line).toMatchObject({
      level: "WARN",
      message: "embedding model unavailable; keyword search only",
    });
  });

  it("npx thoth … --json from the repo root prints JSON and nothing else, as the README says", async () => {
    const env = { ...process.env, THOTH_DATA_DIR: await tempDir(), THOTH_LOG_LEVEL: "" };
    const npx = (args: string[]) => exec("npx", ["thoth", ...args], { cwd: REPO_ROOT, env });
    const indexed = await npx(["index", SAMPLE_HANDBOOK, "-c", "handbook", "--json"]);
    expect(JSON.parse(indexed.stdout)).toMatchObject({ collection: "handbook", published: true });
    const found = await npx(["search", "who approves expenses", "--json"]);
    // What `| jq -r '.results[].path'` reads.
    const paths = (JSON.parse(found.stdout) as { results: { path: string }[] }).results.map((r) => r.path);
    expect(paths).toContain("people/expenses.md");
  });

  it("counts skipped files by reason after the summary, and lists them only with --verbose", async () => {
    const folder = await folderWith({
      "a.md": "# A\n\nText.",
      "one.png": "x",
      "two.png": "x",
      "three.png": "x",
      "b.md": new Uint8Array([0, 1, 2, 98, 105, 110]),
    });
    const env = { THOTH_DATA_DIR: await tempDir() };
    const quiet = await thoth(["index", folder, "-c", "docs"], env);
    const lines = quiet.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^Indexed 1 of 5 documents into docs@/);
    expect(lines[1]).toBe(
      "Skipped 4 file(s): 3 unsupported file type, 1 binary content (--verbose lists them)",
    );
    expect(quiet.stdout).not.toMatch(/one\.png/);
    const verbose = await thoth(["index", folder, "-c", "docs", "--verbose"], env);
    expect(verbose.stdout).toMatch(/Skipped 4 file\(s\): 3 unsupported file type, 1 binary content:\n/);
    expect(verbose.stdout).toMatch(/^ {2}one\.png: unsupported file type$/m);
    expect(verbose.stdout).toMatch(/^ {2}b\.md: binary content$/m);
  });

  it("rejects a bad collection name and a missing folder with a clear message and exit code 1", async () => {
    const env = { THOTH_DATA_DIR: await tempDir() };
    const badName = await thoth(["index", SAMPLE_HANDBOOK, "-c", "Bad Name"], env);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/invalid collection name "Bad Name"/);
    const missing = await thoth(["index", "/no/such/folder", "-c", "docs"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read folder \/no\/such\/folder/);
    expect(missing.stderr).not.toMatch(/at .*\.ts:\d+/);
    // The folder is checked before the model is looked for.
    expect(missing.stderr).not.toMatch(/embedding model|keyword search only/);
  });

  it("refresh --config dev runs the stack's refresh locally, the sample handbook standing in for the stack's bucket", async () => {
    const env = { THOTH_DATA_DIR: await tempDir() };
    const result = await thoth(["refresh", "--config", "dev", "--json"], env);
    expect(result.code, result.stderr).toBe(0);
    const [outcome] = JSON.parse(result.stdout) as { ok: boolean; summary: Record<string, unknown> }[];
    expect(outcome).toMatchObject({
      ok: true,
      summary: { collection: "handbook", documentsIndexed: 41, documentsSkipped: 0, published: true },
    });
    const found = await thoth(["search", "swap an on-call shift", "--json"], env);
    expect(JSON.parse(found.stdout).results[0].path).toBe("on-call/rotation.md");
  });

  it("refresh --config names the stack files there are when the one asked for is missing", async () => {
    const result = await thoth(["refresh", "--config", "staging"], { THOTH_DATA_DIR: await tempDir() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/there is no Pulumi\.staging\.yaml in .*; stack files here: dev, prod/);
    expect(result.stderr).not.toMatch(/ENOENT/);
  });

  it("search without a model says why once, in one line, and --quiet prints the results only", async () => {
    const env = { THOTH_DATA_DIR: await tempDir() };
    await thoth(["index", await folderWith({ "a.md": "# A\n\nText about kites." }), "-c", "docs"], env);
    const result = await thoth(["search", "kites"], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^1\. A \(a\.md\)/);
    expect(result.stderr.trim().split("\n")).toEqual([
      "note: keyword search: the bundle was built without an embedding model",
    ]);
    const quiet = await thoth(["search", "kites", "--quiet"], env);
    expect(quiet).toMatchObject({ code: 0, stderr: "", stdout: result.stdout });
  });

  it("index --url-template gives citations a link, and thoth refresh keeps it", async () => {
    const env = { THOTH_DATA_DIR: await tempDir() };
    const folder = await folderWith({ "guides/kites.md": "# Kites\n\nText about kites." });
    const template = "https://docs.example.com/{path}";
    expect((await thoth(["index", folder, "-c", "docs", "--url-template", template], env)).code).toBe(0);
    const url = async () =>
      JSON.parse((await thoth(["search", "kites", "--json"], env)).stdout).results[0].url;
    expect(await url()).toBe("https://docs.example.com/guides/kites");
    expect((await thoth(["refresh"], env)).code).toBe(0);
    expect(await url()).toBe("https://docs.example.com/guides/kites");
    const bad = await thoth(["index", folder, "-c", "docs", "--url-template", "docs.example.com"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid --url-template "docs.example.com": put \{path\}/);
  });

  it("search names the available collections when asked for an unknown one", async () => {
    const env = { THOTH_DATA_DIR: await tempDir() };
    await thoth(["index", await folderWith({ "a.md": "# A\n\nText." }), "-c", "docs"], env);
    const result = await thoth(["search", "text", "-c", "nope"], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no collection named "nope"; available: docs/);
  });
});

/** A stand-in `pulumi` on PATH that prints the given stack outputs (or fails), as the real CLI would. */
async function fakePulumi(script: string): Promise<Record<string, string>> {
  const bin = await tempDir("thoth-fake-pulumi-");
  const { chmod, writeFile } = await import("node:fs/promises");
  await writeFile(join(bin, "pulumi"), `#!/bin/sh\n${script}\n`);
  await chmod(join(bin, "pulumi"), 0o755);
  return { PATH: `${bin}:${process.env.PATH}` };
}

describe("thoth client-config", () => {
  const outputs = {
    mcpUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/mcp",
    mcpClientConfig: JSON.stringify({
      url: "https://abc.execute-api.eu-west-1.amazonaws.com/mcp",
      claude: '{"mcpServers":{"thoth":{}}}',
      vscode: '{"servers":{"thoth":{"type":"http"}}}',
    }),
  };

  it("prints the chosen client's configuration from the stack outputs", async () => {
    const env = await fakePulumi(
      `[ "$*" = "stack output --json --show-secrets --stack prod" ] || { echo "unexpected args: $*" >&2; exit 3; }\ncat <<'JSON'\n${JSON.stringify(outputs)}\nJSON`,
    );
    const claude = await thoth(["client-config", "--stack", "prod"], env);
    expect(claude).toMatchObject({ code: 0, stdout: '{"mcpServers":{"thoth":{}}}\n' });
    const out = join(await tempDir(), "mcp.json");
    const vscode = await thoth(["client-config", "--stack", "prod", "--client", "vscode", "--out", out], env);
    expect(vscode.code).toBe(0);
    const { readFile, stat } = await import("node:fs/promises");
    expect(await readFile(out, "utf8")).toBe('{"servers":{"thoth":{"type":"http"}}}\n');
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it("explains a stack that was never deployed and a failing pulumi", async () => {
    const empty = await fakePulumi("echo '{}'");
    expect((await thoth(["client-config", "-s", "dev"], empty)).stderr).toMatch(
      /has no mcpClientConfig output; run `pulumi up --stack dev`/,
    );
    const failing = await fakePulumi("echo 'error: no stack named dev found' >&2; exit 255");
    const result = await thoth(["client-config", "-s", "dev"], failing);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/pulumi stack output --stack dev failed: error: no stack named dev found/);
  });

  it("prints what to enter in claude.ai and ChatGPT for the stack's OAuth endpoint", async () => {
    const oauth = {
      url: "https://abc.execute-api.eu-west-1.amazonaws.com/mcp/oauth",
      issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool",
      loginUrl: "https://thoth-prod-k3x9q2zt.auth.eu-west-1.amazoncognito.com",
      userPoolId: "eu-west-1_Pool",
      clientIds: {
        claude: "claude-client-id",
        chatgpt: "chatgpt-client-id",
        inspector: "inspector-client-id",
      },
    };
    const env = await fakePulumi(
      `cat <<'JSON'\n${JSON.stringify({ ...outputs, mcpOAuthConfig: JSON.stringify(oauth) })}\nJSON`,
    );
    const claude = await thoth(["client-config", "--stack", "prod", "--client", "claude-ai"], env);
    expect(claude.code).toBe(0);
    expect(claude.stdout).toContain(`Remote MCP server URL: ${oauth.url}`);
    expect(claude.stdout).toContain("OAuth Client ID: claude-client-id");
    expect(claude.stdout).toContain(`sign in at ${oauth.loginUrl}`);
    const chatgpt = await thoth(["client-config", "--stack", "prod", "--client", "chatgpt"], env);
    expect(chatgpt.stdout).toContain(`MCP server URL: ${oauth.url}`);
    expect(chatgpt.stdout).toContain("OAuth Client ID: chatgpt-client-id");
    const local = await thoth(["client-config", "--local", "--client", "claude-ai"], env);
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/cannot reach a server on this machine/);
    const without = await fakePulumi(`cat <<'JSON'\n${JSON.stringify(outputs)}\nJSON`);
    expect((await thoth(["client-config", "-s", "dev", "--client", "chatgpt"], without)).stderr).toMatch(
      /stack "dev" has no OAuth endpoint: set thoth:oauth/,
    );
  });

  it("says how to install pulumi when it is missing", async () => {
    const result = await thoth(["client-config", "-s", "dev"], { PATH: dirname(process.execPath) });
    expect(result.stderr).toMatch(/the pulumi CLI is not on PATH/);
  });
});

describe("thoth refresh --stack", () => {
  it("invokes the stack's deployed refresh function through the Lambda API and prints its summary", async () => {
    const { createServer } = await import("node:http");
    const invoked: { path: string; body: string; region: string | undefined }[] = [];
    const lambda = createServer(async (req, res) => {
      const parts: Buffer[] = [];
      for await (const p of req) parts.push(p as Buffer);
      // SigV4's credential scope names the region the request was signed for.
      const region = /Credential=[^/]+\/\d+\/([a-z0-9-]+)\/lambda\//.exec(
        req.headers.authorization ?? "",
      )?.[1];
      invoked.push({ path: req.url!, body: Buffer.concat(parts).toString(), region });
      const outcome = {
        collection: "handbook",
        ok: true,
        summary: {
          collection: "handbook",
          version: "v9",
          published: true,
          model: "m",
          documentsSeen: 3,
          documentsIndexed: 3,
          documentsReused: 2,
          documentsSkipped: 0,
          documentsRemoved: 0,
          skipped: [],
          chunks: 5,
          chunksEmbedded: 2,
          prunedVersions: [],
          durationMs: 10,
        },
      };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, outcomes: [outcome] }));
    });
    await new Promise<void>((r) => lambda.listen(0, "127.0.0.1", r));
    const { port } = lambda.address() as AddressInfo;
    try {
      const result = await thoth(["refresh", "--stack", "dev", "-c", "handbook"], {
        ...(await fakePulumi(`echo '{"refreshFunctionName":"thoth-dev-refresh","region":"ap-southeast-2"}'`)),
        AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${port}`,
        // The shell's region differs from the stack's: the stack's wins.
        AWS_REGION: "eu-west-1",
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
      });
      expect(result.code).toBe(0);
      expect(invoked).toEqual([
        {
          path: "/2015-03-31/functions/thoth-dev-refresh/invocations",
          body: '{"collections":["handbook"]}',
          region: "ap-southeast-2",
        },
      ]);
      expect(result.stdout).toContain("Indexed 3 of 3 documents into handbook@v9: 5 chunks, 2 embedded");
    } finally {
      lambda.close();
    }
  });
});

describe("thoth index list / rollback --stack", () => {
  it("works on the deployed stack's bundle bucket, found through pulumi stack output", async () => {
    const { startS3 } = await import("../../scripts/emulators.js");
    const { S3ObjectStore } = await import("../../functions/adapters/aws/s3-object-store.js");
    const { s3Client } = await import("../../functions/adapters/aws/s3-object-store.js");
    const { refreshCollection } = await import("../../functions/refresh/pipeline.js");
    const { LocalFolderSource } = await import("../../functions/refresh/sources/local.js");
    const { codecs } = await import("../helpers/knowledge-base.js");
    const s3 = await startS3("thoth-dev-bundles");
    try {
      const store = new S3ObjectStore(s3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint }), "thoth-dev-bundles");
      const folder = await folderWith({ "a.md": "# A\n\nOne." });
      const v1 = (
        await refreshCollection(
          { store, embedder: null, ...codecs },
          { collection: "docs", source: new LocalFolderSource(folder) },
        )
      ).version;
      const { writeFile } = await import("node:fs/promises");
      await writeFile(join(folder, "a.md"), "# A\n\nTwo.");
      const v2 = (
        await refreshCollection(
          { store, embedder: null, ...codecs },
          { collection: "docs", source: new LocalFolderSource(folder) },
        )
      ).version;
      const env = {
        ...(await fakePulumi(`echo '{"indexBucketName":"thoth-dev-bundles"}'`)),
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "S3RVER",
        AWS_SECRET_ACCESS_KEY: "S3RVER",
      };
      const listed = await thoth(["index", "list", "--stack", "dev", "-c", "docs", "--json"], env);
      expect(
        JSON.parse(listed.stdout).map((r: { version: string; live: boolean }) => [r.version, r.live]),
      ).toEqual([
        [v1, false],
        [v2, true],
      ]);
      const rolled = await thoth(["index", "rollback", "--stack", "dev", "-c", "docs"], env);
      expect(rolled.stdout).toContain(`moved from ${v2} to ${v1}`);
    } finally {
      await s3.close();
    }
  });
});

describe("thoth search --stack", () => {
  it("asks the stack's deployed server through an MCP client, with the URL and key from the stack outputs", async () => {
    const { startThothDev } = await import("../../scripts/thoth-dev.js");
    const server = await startThothDev({
      THOTH_DATA_DIR: await tempDir("thoth-remote-"),
      THOTH_API_KEY: "stack-key-42",
    });
    try {
      const outputs = (key: string) =>
        fakePulumi(`cat <<'JSON'\n${JSON.stringify({ mcpUrl: server.url, mcpApiKey: key })}\nJSON`);
      const found = await thoth(
        [
          "search",
          "--stack",
          "dev",
          "who do I page when the on-call engineer does not answer",
          "--json",
          "-n",
          "3",
        ],
        await outputs("stack-key-42"),
      );
      expect(found.code).toBe(0);
      const result = JSON.parse(found.stdout) as { mode: string; results: { path: string }[] };
      expect(result.mode).toBe("keyword");
      expect(result.results.length).toBeGreaterThan(0);
      expect(result.results.map((h) => h.path).join(" ")).toMatch(/on-call\//);
      const refused = await thoth(["search", "--stack", "dev", "anything"], await outputs("wrong-key"));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/searching stack "dev" at http:\/\/127\.0\.0\.1:\d+\/mcp failed/);
      expect(refused.stderr).not.toContain("wrong-key");
    } finally {
      server.child.kill("SIGTERM");
    }
  });
});

describe("thoth refresh without a model", () => {
  it("refuses to replace a hybrid collection with keyword search, unless --keyword-only", async () => {
    const modelDir = await tempDir("thoth-cli-model-");
    await exec("npm", ["run", "--silent", "model:tiny", "--", modelDir], { cwd: REPO_ROOT });
    const dataDir = await tempDir("thoth-cli-");
    const folder = await folderWith({ "a.md": "# Alpha\n\nAlpha text about expenses." });
    const withModel = {
      THOTH_DATA_DIR: dataDir,
      THOTH_MODEL_DIR: modelDir,
      THOTH_EMBEDDING_MODEL: "thoth/tiny",
    };
    expect((await thoth(["index", folder, "-c", "docs"], withModel)).code).toBe(0);
    const refused = await thoth(["refresh"], { THOTH_DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /docs is served with semantic search \(built with thoth\/tiny\).*Set THOTH_MODEL_DIR/,
    );
    const replaced = await thoth(["refresh", "--keyword-only", "--json"], { THOTH_DATA_DIR: dataDir });
    expect(replaced.code).toBe(0);
    expect(JSON.parse(replaced.stdout)[0].summary).toMatchObject({ published: true, model: null });
  });
});
