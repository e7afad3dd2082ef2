import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FileDocumentCache } from "../../functions/adapters/local/file-document-cache.js";
import { readPointer, loadVersion } from "../../functions/core/bundle.js";
import { SourceError } from "../../functions/core/errors.js";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { GitLabSource } from "../../functions/refresh/sources/gitlab.js";
import type { RetryPolicy } from "../../functions/refresh/sources/http.js";
import { ObjectStoreSource } from "../../functions/refresh/sources/object-store.js";
import { SigmaSource, parseSigmaCredentials } from "../../functions/refresh/sources/sigma.js";
import { HashingEmbedder } from "../helpers/fake-embedder.js";
import { FakeGitLab } from "../helpers/fake-gitlab.js";
import { FakeSigma } from "../helpers/fake-sigma.js";
import { tempDir } from "../helpers/folders.js";
import { codecs } from "../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../helpers/memory-object-store.js";

const FAST: RetryPolicy = { retries: 3, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 300 };

function handbookFiles(n: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++)
    files[`pages/page-${String(i).padStart(3, "0")}.md`] =
      `# Page ${i}\n\nThis page explains topic number ${i}.`;
  return files;
}

describe("GitLab source against a fake GitLab", () => {
  let gitlab: FakeGitLab;
  const source = (token = gitlab.token, pathPrefix = "") =>
    new GitLabSource({
      baseUrl: gitlab.url,
      projectId: gitlab.projectPath,
      ref: "main",
      token,
      pathPrefix,
      retry: FAST,
    });

  beforeAll(async () => {
    gitlab = await new FakeGitLab().start();
  });
  afterAll(() => gitlab?.stop());
  afterEach(() => {
    gitlab.faults = [];
    gitlab.delayMs = 0;
  });

  it("indexes every page of the tree, skips what it cannot read, and cites GitLab URLs", async () => {
    gitlab.commitFiles({
      ...handbookFiles(230),
      "README.md": "# Handbook\n\nStart here.",
      "assets/logo.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
      "notes/binary.md": new Uint8Array([0x23, 0x00, 0x01]),
    });
    const store = new MemoryObjectStore();
    const summary = await refreshCollection(
      { store, embedder: new HashingEmbedder(), ...codecs },
      { collection: "gl", source: source() },
    );
    expect(summary.documentsIndexed).toBe(231);
    expect(Object.fromEntries(summary.skipped.map((s) => [s.path, s.reason]))).toEqual({
      "assets/logo.png": "unsupported file type",
      "notes/binary.md": "binary content",
    });
    expect(gitlab.count("/repository/tree")).toBeGreaterThanOrEqual(3);
    expect(gitlab.count("/blobs/")).toBe(232);
    const { manifest } = await loadVersion(store, "gl", (await readPointer(store, "gl"))!);
    expect(manifest.source).toMatchObject({ type: "gitlab", cursor: gitlab.commit });
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs });
    const hit = (await kb.search({ query: "topic number 117", mode: "keyword", limit: 1 })).results[0]!;
    expect(hit).toMatchObject({
      path: "pages/page-117.md",
      url: `${gitlab.url}/eng/handbook/-/blob/${gitlab.commit}/pages/page-117.md`,
    });
  });

  it("downloads only changed blobs on the next commit, and drops deleted files", async () => {
    const files = handbookFiles(20);
    gitlab.commitFiles(files);
    const store = new MemoryObjectStore();
    const embedder = new HashingEmbedder();
    await refreshCollection({ store, embedder, ...codecs }, { collection: "inc", source: source() });
    const { "pages/page-003.md": _deleted, ...rest } = files;
    gitlab.commitFiles({ ...rest, "pages/page-005.md": "# Page 5\n\nRewritten: about incident reviews." });
    const before = gitlab.count("/blobs/");
    const summary = await refreshCollection(
      { store, embedder, ...codecs },
      { collection: "inc", source: source() },
    );
    expect(gitlab.count("/blobs/") - before).toBe(1);
    expect(summary).toMatchObject({
      documentsIndexed: 19,
      documentsReused: 18,
      documentsRemoved: 1,
      chunksEmbedded: 1,
    });
    const kb = await KnowledgeBase.open({ store, embedder, ...codecs });
    expect(kb.listDocuments({}).documents.some((d) => d.path === "pages/page-003.md")).toBe(false);
  });

  it("only reads under pathPrefix", async () => {
    gitlab.commitFiles({ "docs/a.md": "# A\n\nIn docs.", "other/b.md": "# B\n\nOutside." });
    const docs: string[] = [];
    for await (const d of source(gitlab.token, "docs").documents()) docs.push(d.path);
    expect(docs).toEqual(["docs/a.md"]);
  });

  it("retries 500 and 429 answers with backoff, then succeeds", async () => {
    gitlab.commitFiles({ "a.md": "# A\n\nText." });
    gitlab.faults = [500, 429, 503];
    const summary = await refreshCollection(
      { store: new MemoryObjectStore(), embedder: null, ...codecs },
      { collection: "retry", source: source() },
    );
    expect(summary.documentsIndexed).toBe(1);
  });

  it("fails the run cleanly on a rejected token, leaving the live version and recording the failure", async () => {
    gitlab.commitFiles({ "a.md": "# A\n\nText." });
    const store = new MemoryObjectStore();
    const cache = new FileDocumentCache(await tempDir());
    const first = await refreshCollection(
      { store, cache, embedder: null, ...codecs },
      { collection: "auth", source: source() },
    );
    const error = await refreshCollection(
      { store, cache, embedder: null, ...codecs },
      { collection: "auth", source: source("expired-token") },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toMatch(/GitLab rejected the token \(HTTP 401\)/);
    expect((error as Error).message).not.toContain("expired-token");
    expect((await readPointer(store, "auth"))?.version).toBe(first.version);
    const [latest] = await cache.listRuns("auth");
    expect(latest).toMatchObject({ status: "failed", error: expect.stringMatching(/rejected the token/) });
  });

  it("fails after its retries when GitLab stays down or times out", async () => {
    gitlab.commitFiles({ "a.md": "# A\n\nText." });
    gitlab.faults = [500, 500, 500, 500, 500];
    await expect(
      refreshCollection(
        { store: new MemoryObjectStore(), embedder: null, ...codecs },
        { collection: "down", source: source() },
      ),
    ).rejects.toThrow(/GitLab project failed after 4 attempts \(HTTP 500\)/);
    gitlab.faults = [];
    gitlab.delayMs = 400;
    await expect(
      refreshCollection(
        { store: new MemoryObjectStore(), embedder: null, ...codecs },
        { collection: "slow", source: source() },
      ),
    ).rejects.toThrow(/timed out after 300 ms/);
  });

  it("names the project and ref when they do not exist", async () => {
    const missing = new GitLabSource({
      baseUrl: gitlab.url,
      projectId: "nope/nothing",
      ref: "main",
      token: gitlab.token,
      retry: FAST,
    });
    await expect(
      refreshCollection(
        { store: new MemoryObjectStore(), embedder: null, ...codecs },
        { collection: "x", source: missing },
      ),
    ).rejects.toThrow(/check projectId "nope\/nothing" and ref "main"/);
  });
});

describe("Sigma source against a fake Sigma API", () => {
  let sigma: FakeSigma;
  const credentials = () => ({ clientId: sigma.clientId, clientSecret: sigma.clientSecret });
  const source = (creds = credentials()) =>
    new SigmaSource({ baseUrl: sigma.url, credentials: creds, pageSize: 10, retry: FAST });

  beforeAll(async () => {
    sigma = await new FakeSigma().start();
    sigma.workbooks = Array.from({ length: 25 }, (_, i) => ({
      id: `wb-${String(i).padStart(4, "0")}-aaaa`,
      name: `Revenue workbook ${i}`,
      path: "Finance",
      description: i === 3 ? "Quarterly revenue by carrier and region" : "",
      updatedAt: "2026-11-01T10:00:00Z",
      url: `https://app.sigmacomputing.com/acme/workbook/wb${i}`,
    }));
    sigma.datasets = [
      {
        id: "ds-0001-bbbb",
        name: "Shipments",
        description: "Every shipment since 2020",
        updatedAt: "2026-10-01T00:00:00Z",
      },
    ];
    sigma.files = [
      { id: "wb-0000-aaaa", name: "Revenue workbook 0", type: "workbook" },
      { id: "fd-0001-cccc", name: "Finance", type: "folder" },
      { id: "ds-0001-bbbb", name: "Shipments", type: "dataset" },
    ];
  });
  afterAll(() => sigma?.stop());
  afterEach(() => {
    sigma.faults = [];
  });

  it("lists workbooks and datasets across pages as typed documents, and caches their metadata", async () => {
    const store = new MemoryObjectStore();
    const cache = new FileDocumentCache(await tempDir());
    const summary = await refreshCollection(
      { store, cache, embedder: new HashingEmbedder(), ...codecs },
      { collection: "analytics", source: source() },
    );
    expect(summary.documentsIndexed).toBe(26);
    expect(sigma.requests.filter((r) => r.startsWith("GET /v2/workbooks"))).toHaveLength(3);
    const cached = await cache.listDocuments("analytics");
    expect(cached).toHaveLength(26);
    expect(cached.find((d) => d.title === "Shipments")).toMatchObject({
      source: "sigma",
      metadata: { type: "dataset", description: "Every shipment since 2020" },
    });
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs });
    const hit = (await kb.search({ query: "quarterly revenue by region", mode: "keyword", limit: 1 }))
      .results[0]!;
    expect(hit).toMatchObject({
      title: "Revenue workbook 3",
      url: "https://app.sigmacomputing.com/acme/workbook/wb3",
    });
    expect(kb.getDocument({ id: hit.id }).text()).toContain("- Type: workbook");
  });

  it("renews an expired token once and carries on", async () => {
    const src = source();
    const iterator = src.documents()[Symbol.asyncIterator]();
    await iterator.next();
    const issued = sigma.tokensIssued;
    sigma.expireTokens();
    let count = 1;
    while (!(await iterator.next()).done) count++;
    expect(count).toBe(26);
    expect(sigma.tokensIssued).toBe(issued + 1);
  });

  it("retries 429 and 5xx answers", async () => {
    sigma.faults = [429, 502];
    const docs = [];
    for await (const d of source().documents()) docs.push(d);
    expect(docs).toHaveLength(26);
  });

  it("refuses wrong credentials without echoing them", async () => {
    const error = await (async () => {
      for await (const _ of source({ clientId: "x", clientSecret: "wrong-secret-123" }).documents()) void _;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toMatch(/refused the client credentials \(HTTP 401\)/);
    expect((error as Error).message).not.toContain("wrong-secret-123");
  });

  it("explains a malformed credentials secret without printing it", () => {
    expect(() => parseSigmaCredentials("not json secret-value")).toThrow(/must be JSON/);
    expect(() => parseSigmaCredentials("not json secret-value")).not.toThrow(/secret-value/);
    expect(() => parseSigmaCredentials(undefined)).toThrow(/not set/);
  });
});

describe("object-store (S3 prefix) source", () => {
  it("reads every object under the prefix with paths relative to it", async () => {
    const bucket = new MemoryObjectStore();
    await bucket.put("kb/guide.md", "# Guide\n\nHow to.");
    await bucket.put("kb/sub/faq.txt", "Questions.");
    await bucket.put("elsewhere/x.md", "# X");
    const summary = await refreshCollection(
      { store: new MemoryObjectStore(), embedder: null, ...codecs },
      { collection: "s3docs", source: new ObjectStoreSource(bucket, "kb/", "s3://bucket/kb/") },
    );
    expect(summary.documentsIndexed).toBe(2);
  });
});
