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
    expect(dev.protect).toBe(false);
    expect(prod.protect).toBe(true);
    expect(prod.logRetentionDays).toBeGreaterThan(dev.logRetentionDays);
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
