import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../helpers/folders.js";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}
const workflow = parse(readFileSync(join(REPO_ROOT, ".github/workflows/deploy.yml"), "utf8")) as {
  env: Record<string, string>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};
const pulumiSteps = (job: string) =>
  workflow.jobs[job]!.steps.filter((s) => s.uses?.startsWith("pulumi/actions"));

describe("the CI/CD workflow", () => {
  it("runs the first refresh after each deploy and waits for it, then asks the deployed server", () => {
    for (const [job, stack] of [
      ["deploy-dev", "dev"],
      ["deploy-prod", "prod"],
    ] as const) {
      const steps = workflow.jobs[job]!.steps;
      const up = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions"));
      const after = steps
        .slice(up + 1)
        .map((s) => s.run ?? "")
        .join("\n");
      expect(after, job).toContain(`npx thoth refresh --stack "\${{ vars.PULUMI_ORG }}/thoth/${stack}"`);
      expect(after, job).toContain(`npx thoth search --stack "\${{ vars.PULUMI_ORG }}/thoth/${stack}"`);
    }
  });

  it("pins the Pulumi CLI to the SDK's version", () => {
    expect(workflow.env.PULUMI_VERSION).toBe(pkg.dependencies["@pulumi/pulumi"]);
    for (const job of ["preview", "deploy-dev", "deploy-prod"]) {
      expect(pulumiSteps(job)[0]!.with!["pulumi-version"], job).toBe("${{ env.PULUMI_VERSION }}");
    }
  });

  it("names stacks fully qualified and creates them when missing, on either backend", () => {
    for (const [job, stack] of [
      ["preview", "${{ matrix.stack }}"],
      ["deploy-dev", "dev"],
      ["deploy-prod", "prod"],
    ] as const) {
      const step = pulumiSteps(job)[0]!;
      expect(step.with!["stack-name"], job).toBe(`\${{ vars.PULUMI_ORG }}/thoth/${stack}`);
      expect(step.with!.upsert, job).toBe(true);
      expect(step.env, job).toMatchObject({
        PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      });
    }
  });

  it("previews only pull requests from this repository (forks get no OIDC token), and asks for OIDC only where used", () => {
    expect(workflow.jobs.preview!.if).toContain(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
    expect(workflow.permissions).toEqual({ contents: "read" });
    for (const job of ["preview", "deploy-dev", "deploy-prod"]) {
      expect(workflow.jobs[job]!.permissions!["id-token"], job).toBe("write");
    }
    expect(workflow.jobs.test!.permissions).toBeUndefined();
  });

  it("packages with the model before every pulumi run (the images are built by pulumi up in Docker)", () => {
    for (const job of ["preview", "deploy-dev", "deploy-prod"]) {
      const runs = workflow.jobs[job]!.steps.map((s) => s.run ?? s.uses ?? "");
      const pulumiAt = runs.findIndex((r) => r.startsWith("pulumi/actions"));
      expect(runs.slice(0, pulumiAt), job).toContain("npm run model:fetch && npm run package");
      // An arm64 stack builds on the x86 runner through QEMU.
      expect(runs.slice(0, pulumiAt), job).toContain("docker/setup-qemu-action@v3");
    }
  });
});

describe("the base image workflow", () => {
  const pin = parse(readFileSync(join(REPO_ROOT, ".github/workflows/base-image.yml"), "utf8")) as {
    on: { schedule: { cron: string }[]; workflow_dispatch: unknown };
    jobs: Record<string, Job>;
  };

  it("pins the base image every week and proposes only the Dockerfile's change", () => {
    expect(pin.on.schedule).toHaveLength(1);
    expect(pin.on).toHaveProperty("workflow_dispatch");
    const steps = pin.jobs.pin!.steps;
    const run = steps.findIndex((s) => s.run === "npm run base-image:pin");
    const pr = steps.findIndex((s) => s.uses?.startsWith("peter-evans/create-pull-request"));
    expect(run).toBeGreaterThan(steps.findIndex((s) => s.run === "npm ci"));
    expect(pr).toBeGreaterThan(run);
    expect(steps[pr]!.with!["add-paths"]).toBe("functions/Dockerfile");
  });
});
