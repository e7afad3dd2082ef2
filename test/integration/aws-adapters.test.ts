import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, it as vitestIt } from "vitest";
import {
  DynamoDocumentCache,
  dynamoDocumentClient,
} from "../../functions/adapters/aws/dynamo-document-cache.js";
import { S3ObjectStore, s3Client } from "../../functions/adapters/aws/s3-object-store.js";
import { CachedObjectStore } from "../../functions/adapters/aws/cached-object-store.js";
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
import {
  CACHE_TABLE,
  createCacheTable,
  motoServerPath,
  startDynamo,
  startMoto,
  startS3,
  startSecretsManager,
  type Emulator,
} from "../../scripts/emulators.js";
import { CreateBucketCommand, PutBucketVersioningCommand } from "@aws-sdk/client-s3";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { HashingEmbedder } from "../helpers/fake-embedder.js";
import { SAMPLE_HANDBOOK, folderWith, tempDir } from "../helpers/folders.js";
import { FileDocumentCache } from "../../functions/adapters/local/file-document-cache.js";
import { codecs } from "../helpers/knowledge-base.js";
import { expectByteRanges } from "../helpers/byte-ranges.js";

const BUCKET = "thoth-test-bundles";

/**
 * moto_server where this machine has it (CI does): the adapters' contracts run against it as well as against the
 * npm stand-ins. One process serves the whole file.
 */
const MOTO = motoServerPath() !== undefined;
const NO_MOTO_NOTE =
  "need moto_server (Python moto 5 with its server), which this machine does not have; these contracts ran on the npm stand-ins only";
let motoServer: Promise<Emulator> | undefined;
const moto = () => (motoServer ??= startMoto());
afterAll(async () => {
  await (await motoServer)?.close();
});

/** `it` for a contract whose backend may be missing: then each test is skipped with NO_MOTO_NOTE. */
function contractTest(start: unknown) {
  return (name: string, fn: () => Promise<void>) =>
    vitestIt(name, async (context) => {
      if (!start) context.skip(NO_MOTO_NOTE);
      await fn();
    });
}

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

/** S3, DynamoDB and Secrets Manager as each backend serves them; moto's state is per process, so names differ. */
interface S3Backend {
  endpoint: string;
  close(): Promise<void>;
}

const S3_BACKENDS: [string, (() => Promise<S3Backend>) | undefined][] = [
  ["s3rver (with the conditional-write proxy)", () => startS3(BUCKET)],
  [
    "moto_server (a versioned bucket, as the stack's is)",
    MOTO
      ? async () => {
          const { endpoint } = await moto();
          const client = s3Client({ AWS_ENDPOINT_URL_S3: endpoint });
          await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
          await client.send(
            new PutBucketVersioningCommand({
              Bucket: BUCKET,
              VersioningConfiguration: { Status: "Enabled" },
            }),
          );
          return { endpoint, close: async () => {} };
        }
      : undefined,
  ],
];

describe.each(S3_BACKENDS)("S3 object store against %s", (_, start) => {
  let backend: S3Backend | undefined;
  let store: S3ObjectStore;
  const it = contractTest(start);

  beforeAll(async () => {
    if (!start) return;
    backend = await start();
    store = new S3ObjectStore(s3Client({ AWS_ENDPOINT_URL_S3: backend.endpoint }), BUCKET);
  });
  afterAll(() => backend?.close());

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

  it("reads byte ranges: inside, cut at the end, past the end, empty, of a missing key", async () => {
    await expectByteRanges(store, "t3/ranges.bin");
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
    // As a fresh server opens it: answering by range from S3 (through the /tmp cache) before the files are in.
    const cached = new CachedObjectStore(store, await tempDir());
    const fresh = await KnowledgeBase.open({ store: cached, embedder, ...codecs, firstAnswers: "ranges" });
    expect(fresh.collectionNames()).toEqual([]);
    const request = { query: "parental leave weeks", mode: "keyword" as const };
    expect(await fresh.search(request)).toEqual(await kb.search(request));
    await fresh.loaded();
    expect(fresh.collectionNames()).toEqual(["handbook"]);
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
});

describe("S3 object store against s3rver, going down", () => {
  let s3: Awaited<ReturnType<typeof startS3>>;
  let store: S3ObjectStore;

  beforeAll(async () => {
    s3 = await startS3(BUCKET);
    store = new S3ObjectStore(s3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint }), BUCKET);
  });
  afterAll(() => s3?.close());

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

const DYNAMO_BACKENDS: [string, (() => Promise<S3Backend>) | undefined][] = [
  ["dynalite", () => startDynamo()],
  [
    "moto_server",
    MOTO
      ? async () => {
          const { endpoint } = await moto();
          await createCacheTable(endpoint);
          return { endpoint, close: async () => {} };
        }
      : undefined,
  ],
];

describe.each(DYNAMO_BACKENDS)("DynamoDB document cache against %s", (_, start) => {
  let dynamo: S3Backend | undefined;
  let cache: DynamoDocumentCache;
  const it = contractTest(start);

  beforeAll(async () => {
    if (!start) return;
    dynamo = await start();
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

describe.each([
  ["moto_server", MOTO],
  // The local endpoint's own contract is above (it also counts requests and injects outages).
] as const)("Secrets Manager source against %s", (_, available) => {
  const it = contractTest(available ? () => Promise.resolve() : undefined);
  const arns: Partial<Record<"api-keys" | "gitlab-token" | "sigma-credentials", string>> = {};
  let endpoint = "";

  beforeAll(async () => {
    if (!available) return;
    endpoint = (await moto()).endpoint;
    const client = secretsManagerClient({ AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint });
    const created = await client.send(
      new CreateSecretCommand({ Name: "thoth/dev/api-keys", SecretString: "key-one,key-two" }),
    );
    arns["api-keys"] = created.ARN!;
    // Declared by the stack, not yet given a value (`pulumi config set --secret` not run).
    arns["gitlab-token"] = (
      await client.send(new CreateSecretCommand({ Name: "thoth/dev/gitlab-token" }))
    ).ARN!;
    // Deleted (a destroyed stack's secret, in its recovery window).
    const gone = await client.send(
      new CreateSecretCommand({ Name: "thoth/dev/sigma-credentials", SecretString: '{"clientId":"a"}' }),
    );
    await client.send(new DeleteSecretCommand({ SecretId: gone.ARN!, RecoveryWindowInDays: 7 }));
    arns["sigma-credentials"] = gone.ARN!;
  });

  it("reads a secret by the ARN AWS gave it, and one created without a value as unset", async () => {
    const source = new SecretsManagerSource(
      secretsManagerClient({ AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint }),
      { "api-keys": arns["api-keys"]!, "gitlab-token": arns["gitlab-token"]! },
    );
    expect(arns["api-keys"]).toMatch(
      /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:thoth\/dev\/api-keys-\w{6}$/,
    );
    expect(await source.getSecret("api-keys")).toBe("key-one,key-two");
    expect(await source.getSecret("gitlab-token")).toBeUndefined();
  });

  it("reports a deleted secret as unavailable, naming the service's error and nothing else", async () => {
    const source = new SecretsManagerSource(
      secretsManagerClient({ AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint }),
      { "sigma-credentials": arns["sigma-credentials"]! },
    );
    const error = await source.getSecret("sigma-credentials").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toBe(
      "could not read the sigma-credentials secret (InvalidRequestException)",
    );
  });
});
