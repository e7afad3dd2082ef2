import { describe, expect, it } from "vitest";
import { StackConfigError, parseStackConfig } from "../../../infra/config.js";
import { stackFileValues } from "../../helpers/pulumi-mocks.js";

describe("stack configuration", () => {
  it.each(["dev", "prod"])("accepts the committed %s stack", (stack) => {
    const config = parseStackConfig(stack, stackFileValues(stack));
    expect(config.collections.length).toBeGreaterThan(0);
    expect(config.embeddingModel).toBe("Xenova/all-MiniLM-L6-v2");
  });

  it("differs between dev and prod only in sizing, schedule, retention, throttling and protection", () => {
    const dev = parseStackConfig("dev", stackFileValues("dev"));
    const prod = parseStackConfig("prod", stackFileValues("prod"));
    const differing = Object.keys({ ...dev, ...prod })
      .filter(
        (key) =>
          JSON.stringify(dev[key as keyof typeof dev]) !== JSON.stringify(prod[key as keyof typeof prod]),
      )
      .sort();
    expect(differing).toEqual(
      [
        "keepVersions",
        "logRetentionDays",
        "mcp",
        "protect",
        "refreshSchedule",
        "secretRecoveryDays",
        "throttle",
      ].sort(),
    );
    expect(dev.protect).toBe(false);
    expect(prod.protect).toBe(true);
    expect(prod.logRetentionDays).toBeGreaterThan(dev.logRetentionDays);
  });

  it.each(["dev", "prod"])(
    "ships %s with a collection that needs no outside system, within new-account limits",
    (stack) => {
      const config = parseStackConfig(stack, stackFileValues(stack));
      expect(config.sampleHandbook).toBe(true);
      expect(config.collections).toEqual([
        {
          name: "handbook",
          description: "Sample engineering handbook",
          source: { type: "s3", prefix: "samples/handbook/" },
        },
      ]);
      expect(JSON.stringify(config)).not.toMatch(/example\.com/);
      expect(config.refresh.memoryMb).toBeLessThanOrEqual(3008);
      expect(config.refreshReservedConcurrency).toBeUndefined();
    },
  );

  it("defaults within a new account's limits: no reserved concurrency, refresh memory 3008 MB, route metrics off", () => {
    const config = parseStackConfig("x", {
      collections: [{ name: "docs", source: { type: "local", path: "d" } }],
    });
    expect(config.refresh.memoryMb).toBe(3008);
    expect(config.refreshReservedConcurrency).toBeUndefined();
    expect(config.detailedRouteMetrics).toBe(false);
  });

  it("accepts only CloudWatch's log retention periods and AWS's secret recovery windows", () => {
    const base = { collections: [{ name: "docs", source: { type: "local", path: "d" } }] };
    expect(() => parseStackConfig("dev", { ...base, logRetentionDays: 10 })).toThrow(
      /thoth:logRetentionDays: use one of CloudWatch's retention periods: 1, 3, 5, 7, 14/,
    );
    expect(parseStackConfig("dev", { ...base, logRetentionDays: 731 }).logRetentionDays).toBe(731);
    expect(() => parseStackConfig("dev", { ...base, secretRecoveryDays: 3 })).toThrow(
      /thoth:secretRecoveryDays: use 0 \(delete at once\) or 7 to 30 days/,
    );
    expect(parseStackConfig("dev", { ...base, secretRecoveryDays: 0 }).secretRecoveryDays).toBe(0);
  });

  it("checks the rules the components check, written once (throttle burst at least the rate)", () => {
    const base = { collections: [{ name: "docs", source: { type: "local", path: "d" } }] };
    expect(() => parseStackConfig("dev", { ...base, throttle: { rateLimit: 50, burstLimit: 10 } })).toThrow(
      /thoth:throttle\.burstLimit: must be at least rateLimit/,
    );
    expect(() => parseStackConfig("dev", { ...base, mcp: { memoryMb: 1024, timeoutSeconds: 30 } })).toThrow(
      /thoth:mcp\.timeoutSeconds: at most 29 seconds/,
    );
  });

  it("refuses collections that would not fit Lambda's 4 KB environment", () => {
    const collections = Array.from({ length: 12 }, (_, i) => ({
      name: `c${i}`,
      description: "x".repeat(250),
      source: { type: "local", path: `/docs/${i}` },
    }));
    expect(() => parseStackConfig("dev", { collections })).toThrow(
      /thoth:collections: the collections take \d+ bytes as THOTH_COLLECTIONS, more than the 3072 bytes left of Lambda's 4 KB environment/,
    );
    expect(() => parseStackConfig("dev", { collections: collections.slice(0, 6) })).not.toThrow();
  });

  it("refuses an s3 source of the stack's own bucket that would read the bundles", () => {
    for (const prefix of ["", "collections/handbook/"]) {
      expect(() =>
        parseStackConfig("dev", { collections: [{ name: "docs", source: { type: "s3", prefix } }] }),
      ).toThrow(
        /thoth:collections\[0\]\.source\.prefix: an s3 source without a bucket reads the stack's own bucket/,
      );
    }
  });

  it("fills defaults for optional keys", () => {
    const config = parseStackConfig("x", {
      collections: [{ name: "docs", source: { type: "local", path: "./docs" } }],
    });
    expect(config).toMatchObject({
      refreshSchedule: "rate(1 day)",
      protect: false,
      corsOrigins: [],
      keepVersions: 5,
    });
  });

  it("names every offending key in its error", () => {
    const bad = () =>
      parseStackConfig("dev", {
        collections: [
          { name: "Bad Name", source: { type: "gitlab", baseUrl: "not a url", projectId: "1" } },
          { name: "ok", source: { type: "ftp" } },
        ],
        refreshSchedule: "every day",
        alarmEmail: "nobody",
      });
    expect(bad).toThrow(StackConfigError);
    expect(bad).toThrow(/thoth:collections\[0\]\.name/);
    expect(bad).toThrow(/thoth:collections\[0\]\.source\.baseUrl/);
    expect(bad).toThrow(/thoth:collections\[1\]\.source/);
    expect(bad).toThrow(/thoth:refreshSchedule: use an EventBridge expression/);
    expect(bad).toThrow(/thoth:alarmEmail/);
  });

  it("rejects duplicate collection names", () => {
    const source = { type: "local", path: "x" };
    expect(() =>
      parseStackConfig("dev", {
        collections: [
          { name: "a", source },
          { name: "a", source },
        ],
      }),
    ).toThrow(/thoth:collections\[1\]\.name: duplicate collection "a"/);
  });
});
