import { describe, expect, it } from "vitest";
import { deployPlatform } from "../../helpers/deploy-platform.js";
import { byType, type RecordedResource } from "../../helpers/pulumi-mocks.js";

/** What would make `pulumi destroy` stop, or leave something behind that blocks a re-create. */
function blockers(recorded: RecordedResource[]): string[] {
  const found: string[] = [];
  for (const r of recorded) if (r.protect) found.push(`${r.name}: Pulumi protect`);
  for (const b of byType(recorded, "aws:s3/bucket:Bucket"))
    if (!b.inputs.forceDestroy) found.push(`${b.name}: a bucket with bundles is not emptied`);
  for (const t of byType(recorded, "aws:dynamodb/table:Table"))
    if (t.inputs.deletionProtectionEnabled) found.push(`${t.name}: deletion protection`);
  for (const p of byType(recorded, "aws:cognito/userPool:UserPool"))
    if (p.inputs.deletionProtection === "ACTIVE") found.push(`${p.name}: deletion protection`);
  for (const r of byType(recorded, "aws:ecr/repository:Repository"))
    if (!r.inputs.forceDelete) found.push(`${r.name}: a repository with images is not emptied`);
  for (const s of byType(recorded, "aws:secretsmanager/secret:Secret"))
    if (s.inputs.recoveryWindowInDays !== 0)
      found.push(`${s.name}: its name stays taken for ${String(s.inputs.recoveryWindowInDays)} days`);
  return found;
}

describe("tearing a stack down (README: Tear a stack down)", () => {
  it("dev has nothing that blocks pulumi destroy or a re-create", async () => {
    expect(blockers((await deployPlatform("dev")).recorded)).toEqual([]);
  });

  it("prod is protected, and the documented two settings and one pulumi up lift every protection", async () => {
    const prod = blockers((await deployPlatform("prod")).recorded);
    expect(prod).toEqual(
      expect.arrayContaining([
        "storage-bundles: Pulumi protect",
        "storage-cache: Pulumi protect",
        "images-repository: Pulumi protect",
        "sign-in-users: Pulumi protect",
        "storage-bundles: a bucket with bundles is not emptied",
        "storage-cache: deletion protection",
        "sign-in-users: deletion protection",
        "images-repository: a repository with images is not emptied",
        "secrets-api-keys: its name stays taken for 30 days",
      ]),
    );
    const lifted = await deployPlatform("prod", { protect: false, secretRecoveryDays: 0 });
    expect(blockers(lifted.recorded)).toEqual([]);
  });
});
