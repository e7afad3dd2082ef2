import { execFile, spawn } from "node:child_process";
import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileDocumentCache } from "../../functions/adapters/local/file-document-cache.js";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import type { RefreshRun } from "../../functions/core/ports.js";
import { REPO_ROOT, tempDir } from "../helpers/folders.js";
import { expectByteRanges } from "../helpers/byte-ranges.js";

const execFileAsync = promisify(execFile);

describe("filesystem object store", () => {
  it("puts, gets, lists by prefix and deletes", async () => {
    const store = new FsObjectStore(await tempDir());
    await store.put("collections/a/current.json", "{}");
    await store.put("collections/a/versions/v1/x.bin", new Uint8Array([1, 2, 3]));
    await store.put("collections/b/current.json", "{}");
    expect(Array.from((await store.get("collections/a/versions/v1/x.bin"))!)).toEqual([1, 2, 3]);
    expect(await store.list("collections/a/")).toEqual([
      "collections/a/current.json",
      "collections/a/versions/v1/x.bin",
    ]);
    expect(await store.list("collections/")).toHaveLength(3);
    expect(await store.list("nothing/here/")).toEqual([]);
    await store.delete(["collections/a/current.json", "collections/a/missing"]);
    expect(await store.get("collections/a/current.json")).toBeUndefined();
  });

  it("replaces objects atomically, leaving no temp files", async () => {
    const root = await tempDir();
    const store = new FsObjectStore(root);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put("k/v.json", JSON.stringify({ i }))));
    expect(JSON.parse(new TextDecoder().decode(await store.get("k/v.json")))).toHaveProperty("i");
    expect(await readdir(`${root}/k`)).toEqual(["v.json"]);
  });

  it("reads byte ranges: inside, cut at the end, past the end, empty, of a missing key", async () => {
    await expectByteRanges(new FsObjectStore(await tempDir()), "c/versions/v1/keyword.bin");
  });

  it("refuses keys that escape the store", async () => {
    const store = new FsObjectStore(await tempDir());
    await expect(store.put("../outside", "x")).rejects.toThrow(/escapes the store/);
    await expect(store.get("a/../../etc/passwd")).rejects.toThrow(/escapes the store/);
  });
});

describe("the local pointer lock", () => {
  const exited = async () => {
    const child = spawn(process.execPath, ["-e", "0"]);
    await new Promise((r) => child.once("exit", r));
    return child.pid!;
  };

  it("takes over a lock left by a crashed process, at once", async () => {
    const store = new FsObjectStore(await tempDir(), { timeoutMs: 2_000, staleMs: 600_000 });
    await store.put("c/current.json", "v1");
    const etag = (await store.read("c/current.json"))!.etag;
    await writeFile(
      join(store.root, "c/current.json.lock"),
      JSON.stringify({ pid: await exited(), at: Date.now() }),
    );
    // At once: the lock is not old (staleness by age would take 10 minutes here), and waiting gives up at 2 s.
    expect(await store.putIfUnchanged("c/current.json", "v2", etag)).toBe(true);
    expect(new TextDecoder().decode(await store.get("c/current.json"))).toBe("v2");
  });

  it("lets exactly one of many writers win a compare-and-swap after taking over a stale lock", async () => {
    const dead = await exited();
    // In one process: 30 trials of 6 stores racing.
    for (let trial = 0; trial < 30; trial++) {
      const root = await tempDir();
      await mkdir(join(root, "c"));
      await writeFile(join(root, "c/current.json.lock"), JSON.stringify({ pid: dead, at: Date.now() }));
      const stores = Array.from({ length: 6 }, () => new FsObjectStore(root, { timeoutMs: 5_000 }));
      const wins = await Promise.all(stores.map((s, i) => s.putIfUnchanged("c/current.json", `w${i}`, null)));
      expect(wins.filter(Boolean), `trial ${trial}`).toHaveLength(1);
      expect(await readdir(join(root, "c"))).toEqual(["current.json"]);
    }
    // Across processes, as the issue found it: 6 processes at once, 4 trials.
    const script = `
      import { FsObjectStore } from ${JSON.stringify(join(REPO_ROOT, "functions/adapters/local/fs-object-store.ts"))};
      const store = new FsObjectStore(process.argv[1], { timeoutMs: 10_000 });
      process.stdout.write(String(await store.putIfUnchanged("c/current.json", String(process.pid), null)));
    `;
    for (let trial = 0; trial < 4; trial++) {
      const root = await tempDir();
      await mkdir(join(root, "c"));
      await writeFile(join(root, "c/current.json.lock"), JSON.stringify({ pid: dead, at: Date.now() }));
      const outputs = await Promise.all(
        Array.from({ length: 6 }, () =>
          execFileAsync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, root], {
            cwd: REPO_ROOT,
          }).then((r) => r.stdout),
        ),
      );
      expect(
        outputs.filter((o) => o === "true"),
        `trial ${trial}: ${outputs.join(",")}`,
      ).toHaveLength(1);
      expect(outputs.filter((o) => o === "false")).toHaveLength(5);
    }
  }, 120_000);

  it("takes over an old lock even when its pid is alive again (reused), and an unreadable one by its age", async () => {
    const store = new FsObjectStore(await tempDir(), { timeoutMs: 2_000, staleMs: 1_000 });
    const lock = join(store.root, "c/current.json.lock");
    await store.put("c/x", "");
    await writeFile(lock, JSON.stringify({ pid: process.ppid, at: Date.now() - 5_000 }));
    expect(await store.putIfUnchanged("c/current.json", "v1", null)).toBe(true);
    await writeFile(lock, "");
    await utimes(lock, new Date(Date.now() - 5_000), new Date(Date.now() - 5_000));
    const etag = (await store.read("c/current.json"))!.etag;
    expect(await store.putIfUnchanged("c/current.json", "v2", etag)).toBe(true);
  });

  it("waits for a live holder and then says who holds it", async () => {
    const store = new FsObjectStore(await tempDir(), { timeoutMs: 200 });
    await store.put("c/x", "");
    await writeFile(
      join(store.root, "c/current.json.lock"),
      JSON.stringify({ pid: process.ppid, at: Date.now() }),
    );
    await expect(store.putIfUnchanged("c/current.json", "v1", null)).rejects.toThrow(
      /current\.json\.lock is held by another running thoth process/,
    );
  });
});

describe("the local document cache", () => {
  it("keeps every run record when several writers record runs at once", async () => {
    const dir = await tempDir();
    const writers = [new FileDocumentCache(dir), new FileDocumentCache(dir)];
    const run = (i: number): RefreshRun =>
      ({
        runId: `run-${i}`,
        collection: "docs",
        status: i % 2 ? "succeeded" : "running",
        startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      }) as RefreshRun;
    await Promise.all(Array.from({ length: 40 }, (_, i) => writers[i % 2]!.putRun(run(i))));
    // A run's later update (running → succeeded) replaces its own record only.
    await writers[1]!.putRun({ ...run(0), status: "succeeded" });
    const runs = await writers[0]!.listRuns("docs", 100);
    expect(runs).toHaveLength(40);
    expect(runs[0]!.runId).toBe("run-39");
    expect(runs.find((r) => r.runId === "run-0")!.status).toBe("succeeded");
    expect((await readdir(join(dir, "docs", "runs"))).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});
