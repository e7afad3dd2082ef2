import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { deployPlatform } from "../../helpers/deploy-platform.js";
import { byType } from "../../helpers/pulumi-mocks.js";
import { REPO_ROOT } from "../../helpers/folders.js";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map(
  (m) => parse(m[1]!) as Record<string, unknown>,
);

describe("the README's deploy examples", () => {
  it("the S3 source with its own bucket deploys, and the refresh role may read exactly that prefix", async () => {
    const example = yamlBlocks.find((b) =>
      (b["thoth:collections"] as { source: { bucket?: string } }[] | undefined)?.some((c) => c.source.bucket),
    );
    expect(example, "a yaml block with an s3 source in its own bucket").toBeDefined();
    const { recorded } = await deployPlatform("dev", { collections: example!["thoth:collections"] });
    const policies = byType(recorded, "aws:iam/rolePolicy:RolePolicy").map((p) => String(p.inputs.policy));
    const refresh = policies.find((p) => p.includes("WriteIndexBundles"))!;
    expect(refresh).toContain('"arn:aws:s3:::acme-policies/published/*"');
    expect(refresh).not.toContain('"arn:aws:s3:::acme-policies/*"');
    const fn = byType(recorded, "aws:lambda/function:Function").find((f) =>
      String(f.inputs.name).endsWith("-refresh"),
    )!;
    const collections = JSON.parse(
      (fn.inputs.environment as { variables: Record<string, string> }).variables.THOTH_COLLECTIONS!,
    ) as { source: { urlTemplate?: string } }[];
    expect(collections[0]!.source.urlTemplate).toBe("https://policies.example.com/{path}");
  });

  it("every command the deploy steps name is a script of package.json", () => {
    const scripts = Object.keys(
      (
        JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
          scripts: Record<string, string>;
        }
      ).scripts,
    );
    const named = [...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(5);
    expect([...new Set(named)].filter((n) => !scripts.includes(n))).toEqual([]);
  });
});
