import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DynamoDocumentCache,
  dynamoDocumentClient,
} from "../../functions/adapters/aws/dynamo-document-cache.js";
import { S3ObjectStore, s3Client } from "../../functions/adapters/aws/s3-object-store.js";
import {
  SecretUnavailableError,
  SecretsManagerSource,
  secretsManagerClient,
} from "../../functions/adapters/aws/secrets-manager-source.js";
import { readPointer } from "../../functions/core/bundle.js";
import { listVersions } from "../../functions/core/bundle-versions.js";
import { ConcurrentPublishError } from "../../functions/core/errors.js";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import type { CachedDocument } from "../../functions/core/contracts.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { CACHE_TABLE, startDynamo, startS3, startSecretsManager } from "../../scripts/emulators.js";
import { HashingEmbedder } from "../helpers/fake-embedder.js";
import { SAMPLE_HANDBOOK, folderWith, tempDir } from "../helpers/folders.js";
import { FileDocumentCache } from "../../functions/adapters/local/file-document-cache.js";
import { codecs } from "../helpers/knowledge-base.js";

const BUCKET = "thoth-test-bundles";

describe("S3 object store, a bucket in another region", () => {
  it("follows S3's redirect to the bucket's region instead of failing", async () => {
    // What S3 answers a request signed for the wrong region: 301 PermanentRedirect naming the bucket's region.
    const signedFor: string[] = [];
    const server = createServer((req, res) => {
      const region =
        /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? "none";
      signedFor.push(region);
      if (region !== "ap-southeast-2") {
        res.writeHead(301, { "x-amz-bucket-region": "ap-southeast-2", "content-type": "application/xml" });
        res.end(
          "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>",
        );
        return;
      }
      res.writeHead(200, { "content-type": "text/markdown", etag: '"e1"' }).end("# Policies");
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const store = new S3ObjectStore(
        s3Client({ AWS_ENDPOINT_URL_S3: endpoint, AWS_REGION: "eu-west-1" }),
        "acme-policies",
      );
      expect(new TextDecoder().decode(await store.get("published/policies.md"))).toBe("# Policies");
      expect(signedFor).toEqual(["eu-west-1", "ap-southeast-2"]);
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });
});

describe("S3 object store against s3rver", () => {
  let s3: Awaited<ReturnType<typeof startS3>>;
  let store: S3ObjectStore;

  beforeAll(async () => {
    s3 = await startS3(BUCKET);
    store = new S3ObjectStore(s3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint }), BUCKET);
  });
  afterAll(() => s3?.close());

  it("puts, gets, lists across pages and deletes", async () => {
    await store.put("t1/a.json", '{"a":1}', { contentType: "application/json" });
    expect(new TextDecoder().decode(await store.get("t1/a.json"))).toBe('{"a":1}');
    expect(await store.get("t1/missing.json")).toBeUndefined();
    const keys = Array.from({ length: 1030 }, (_, i) => `t2/k${String(i).padStart(4, "0")}`);
    for (let i = 0; i < keys.length; i += 100)
      await Promise.all(keys.slice(i, i + 100).map((k) => store.put(k, "x")));
    expect(await store.list("t2/")).toEqual(keys);
    await store.delete(keys);
    expect(await store.list("t2/")).toEqual([]);
  });

  it("writes conditionally: create-if-absent, then only over the entity tag it read", async () => {
    expect(await store.putIfUnchanged("t3/p.json", "v1", null)).toBe(true);
    expect(await store.putIfUnchanged("t3/p.json", "v1-again", null)).toBe(false);
    const { etag } = (await store.read("t3/p.json"))!;
    expect(await store.putIfUnchanged("t3/p.json", "v2", etag)).toBe(true);
    expect(await store.putIfUnchanged("t3/p.json", "v3", etag)).toBe(false);
    expect(new TextDecoder().decode(await store.get("t3/p.json"))).toBe("v2");
  });

  it("publishes and serves a bundle from S3", async () => {
    const embedder = new HashingEmbedder();
    const summary = await refreshCollection(
      { store, embedder, ...codecs },
      { collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK) },
    );
    expect((await readPointer(store, "handbook"))?.version).toBe(summary.version);
    const kb = await KnowledgeBase.open({ store, embedder, ...codecs });
    expect((await kb.search({ query: "parental leave weeks" })).results[0]!.path).toBe(
      "people/parental-leave.md",
    );
  });

  it("lets only one of two concurrent refreshes move the pointer", async () => {
    const a = await folderWith({ "a.md": "# A\n\nFrom run A." });
    const b = await folderWith({ "b.md": "# B\n\nFrom run B." });
    const results = await Promise.allSettled(
      [a, b].map((folder) =>
        refreshCollection(
          { store, embedder: new HashingEmbedder(), ...codecs },
          { collection: "race", source: new LocalFolderSource(folder) },
        ),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")?.reason).toBeInstanceOf(ConcurrentPublishError);
    expect(await listVersions(store, "race")).toEqual([(await readPointer(store, "race"))!.version]);
  });

  it("leaves the live version serving when S3 goes down mid-publish", async () => {
    const folder = await folderWith({ "a.md": "# A\n\nFirst edition." });
    const cache = new FileDocumentCache(await tempDir());
    const first = await refreshCollection(
      { store, cache, embedder: null, ...codecs },
      { collection: "outage", source: new LocalFolderSource(folder) },
    );
    const flaky = new S3ObjectStore(s3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint }), BUCKET);
    let puts = 0;
    const put = flaky.put.bind(flaky);
    flaky.put = async (key, body, options) => {
      if (++puts === 2) await s3.stop();
      return put(key, body, options);
    };
    const { writeFile } = await import("node:fs/promises");
    await writeFile(`${folder}/a.md`, "# A\n\nSecond edition.");
    await expect(
      refreshCollection(
        { store: flaky, cache, embedder: null, ...codecs },
        { collection: "outage", source: new LocalFolderSource(folder) },
      ),
    ).rejects.toThrow();
    await s3.start();
    const [failed, succeeded] = await cache.listRuns("outage");
    expect(failed).toMatchObject({ status: "failed", error: expect.any(String) });
    expect(succeeded).toMatchObject({ status: "succeeded", version: first.version });
    expect((await readPointer(store, "outage"))?.version).toBe(first.version);
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs });
    expect((await kb.search({ query: "edition" })).results[0]!.snippet).toContain("First edition");
  });
});

describe("DynamoDB document cache against dynalite", () => {
  let dynamo: Awaited<ReturnType<typeof startDynamo>>;
  let cache: DynamoDocumentCache;

  beforeAll(async () => {
    dynamo = await startDynamo();
    cache = new DynamoDocumentCache(
      dynamoDocumentClient({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint }),
      CACHE_TABLE,
    );
  });
  afterAll(() => dynamo?.close());

  const doc = (i: number): CachedDocument => ({
    collection: "sigma",
    id: `d${String(i).padStart(3, "0")}`,
    path: `workbooks/w${i}`,
    title: `Workbook ${i}`,
    source: "sigma",
    metadata: { type: "workbook" },
  });

  it("replaces a collection's documents in batches, removing the ones no longer listed", async () => {
    await cache.replaceDocuments(
      "sigma",
      Array.from({ length: 60 }, (_, i) => doc(i)),
    );
    expect(await cache.listDocuments("sigma")).toHaveLength(60);
    await cache.replaceDocuments("sigma", [doc(1), doc(2), doc(99)]);
    const listed = await cache.listDocuments("sigma");
    expect(listed.map((d) => d.id)).toEqual(["d001", "d002", "d099"]);
    expect(listed[0]).toEqual(doc(1));
    expect(await cache.listDocuments("other")).toEqual([]);
  });

  it("records refresh runs, newest first", async () => {
    for (let i = 0; i < 3; i++) {
      await cache.putRun({
        collection: "docs",
        runId: `r${i}`,
        startedAt: `2026-11-2${i}T00:00:00.000Z`,
        status: "running",
      });
    }
    await cache.putRun({
      collection: "docs",
      runId: "r2",
      startedAt: "2026-11-22T00:00:00.000Z",
      status: "failed",
      error: "source down",
    });
    const runs = await cache.listRuns("docs", 2);
    expect(runs.map((r) => [r.runId, r.status])).toEqual([
      ["r2", "failed"],
      ["r1", "running"],
    ]);
    expect(runs[0]!.error).toBe("source down");
  });
});

describe("Secrets Manager source against a local endpoint", () => {
  const API_KEYS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:thoth/dev/api-keys-AbCdEf";
  const EMPTY = "arn:aws:secretsmanager:us-east-1:123456789012:secret:thoth/dev/gitlab-token-AbCdEf";
  let sm: Awaited<ReturnType<typeof startSecretsManager>>;

  beforeAll(async () => {
    sm = await startSecretsManager({ [API_KEYS]: "key-one,key-two", [EMPTY]: undefined });
  });
  afterAll(() => sm?.close());

  it("reads a secret by ARN and caches it for the TTL", async () => {
    const source = new SecretsManagerSource(
      secretsManagerClient({ AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint }),
      { "api-keys": API_KEYS },
      60_000,
    );
    const before = sm.requests();
    expect(await source.getSecret("api-keys")).toBe("key-one,key-two");
    expect(await source.getSecret("api-keys")).toBe("key-one,key-two");
    expect(sm.requests() - before).toBe(1);
    expect(await source.getSecret("sigma-credentials")).toBeUndefined();
  });

  it("reads a secret without a value as unset, and reports an outage without leaking anything", async () => {
    const source = new SecretsManagerSource(
      secretsManagerClient({ AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint }),
      {
        "gitlab-token": EMPTY,
        "api-keys": API_KEYS,
      },
    );
    expect(await source.getSecret("gitlab-token")).toBeUndefined();
    sm.fail(true);
    try {
      const error = await source.getSecret("api-keys").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretUnavailableError);
      expect((error as Error).message).toBe("could not read the api-keys secret (InternalServiceError)");
    } finally {
      sm.fail(false);
    }
  });
});
