/**
 * `npm run conformance`: the official MCP conformance suite against `thoth dev`, for both protocol eras.
 * - 0.1.16 runs the 2025-era server scenarios; 0.2.0-alpha.12 (the newest release) runs exactly what
 *   revision 2026-07-28 requires (`--requirements 2026-07-28`).
 * - The suite needs Node 22 (installed from the npm registry into a cache folder, never replacing the Node that
 *   runs this) and cannot send an API key, so a small local proxy adds it.
 * - Every check must pass, except those listed below with the reason each does not apply to a read-only,
 *   stateless server: most call the suite's own reference-server fixtures (tools such as `test_simple_text`),
 *   which Thoth does not have. A listed check that starts passing is reported too (the list went stale).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { node22 } from "./node22.js";
import { startThothDev } from "./thoth-dev.js";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const CACHE = join(REPO_ROOT, "node_modules", ".cache", "thoth-conformance");

export const SUITES = [
  { version: "0.1.16", era: "2025", args: [] as string[] },
  { version: "0.2.0-alpha.12", era: "2026-07-28", args: ["--requirements", "2026-07-28"] },
] as const;

const FIXTURES =
  "calls the suite's reference-server fixtures (tools, prompts or resources named test_*), which Thoth does not have";

/** Whole scenarios that do not apply, and why. */
export const NOT_APPLICABLE_SCENARIOS: Record<string, string> = {
  "completion-complete": `${FIXTURES}; Thoth's completions are tested in mcp-server.test.ts and protocol-eras.test.ts`,
  "tools-call-simple-text": FIXTURES,
  "tools-call-image": FIXTURES,
  "tools-call-audio": FIXTURES,
  "tools-call-embedded-resource": FIXTURES,
  "tools-call-mixed-content": FIXTURES,
  "tools-call-error": FIXTURES,
  "tools-call-with-progress": FIXTURES,
  "tools-call-sampling": `${FIXTURES}; Thoth never asks the client to sample`,
  "tools-call-elicitation": `${FIXTURES}; Thoth never asks the user for input`,
  "elicitation-sep1034-defaults": `${FIXTURES}; Thoth never asks the user for input`,
  "elicitation-sep1330-enums": `${FIXTURES}; Thoth never asks the user for input`,
  "resources-read-text": `${FIXTURES}; Thoth's resources are thoth://<collection>/<doc id>`,
  "resources-read-binary": `${FIXTURES}; Thoth's resources are thoth://<collection>/<doc id>`,
  "resources-templates-read": `${FIXTURES}; Thoth's resources are thoth://<collection>/<doc id>`,
  "prompts-get-simple": FIXTURES,
  "prompts-get-with-args": FIXTURES,
  "prompts-get-embedded-resource": FIXTURES,
  "prompts-get-with-image": FIXTURES,
  "logging-set-level":
    "Thoth declares no logging capability: a stateless server answering JSON sends no log notifications",
  "tools-call-with-logging": "Thoth declares no logging capability (see logging-set-level)",
  "resources-subscribe":
    "Thoth declares no subscriptions: each request is answered alone, and a new bundle version is a new listing",
  "resources-unsubscribe": "Thoth declares no subscriptions (see resources-subscribe)",
  "json-schema-2020-12":
    "pending in 0.2.0-alpha.12 and calls a fixture tool; Thoth's own schemas are 2020-12 (golden-answers.test.ts)",
  "http-custom-header-server-validation":
    "pending in 0.2.0-alpha.12; needs a tool with x-mcp-header parameters, which Thoth has none of",
};
for (const scenario of [
  "basic-elicitation",
  "basic-sampling",
  "basic-list-roots",
  "request-state",
  "multiple-input-requests",
  "multi-round",
  "non-tool-request",
  "result-type",
  "tampered-state",
  "capability-check",
])
  NOT_APPLICABLE_SCENARIOS[`input-required-result-${scenario}`] =
    `${FIXTURES}; Thoth never needs input from the client mid-request`;
for (const scenario of [
  "lifecycle",
  "capability-negotiation",
  "wire-fields",
  "request-state-removal",
  "mrtr-input",
  "request-headers",
  "dispatch-and-envelope",
  "required-task-error",
  "mrtr-composition",
])
  NOT_APPLICABLE_SCENARIOS[`tasks-${scenario}`] =
    "the tasks extension (not scored for 2026-07-28): every Thoth tool answers at once, so it declares none";

/** Single checks that do not apply inside scenarios that otherwise do. */
export const NOT_APPLICABLE_CHECKS: Record<string, string> = {
  "sep-2575-server-rejects-undeclared-capability":
    "needs the suite's diagnostic tool test_missing_capability",
  "sep-2575-missing-capability-http-400": "needs the suite's diagnostic tool test_missing_capability",
  "sep-2575-http-server-no-independent-requests-on-stream":
    "needs the suite's diagnostic tool test_streaming_elicitation",
  "sep-2575-server-no-log-without-loglevel": "needs the suite's diagnostic tool test_logging_tool",
};

export interface Check {
  suite: string;
  scenario: string;
  id: string;
  status: string;
  message?: string;
}

export interface ConformanceReport {
  checks: Check[];
  /** Failing checks that no list explains: regressions. */
  unexpected: Check[];
  /** Listed scenarios or checks that passed: the list should shrink. */
  stale: string[];
  /** Scenarios all of whose checks passed, per suite. */
  passed: Record<string, string[]>;
}

const FAILED = new Set(["FAILURE", "ERROR"]);

async function suiteBin(version: string): Promise<string> {
  const prefix = join(CACHE, version);
  const bin = join(prefix, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
  if (!existsSync(bin)) {
    await promisify(execFile)(
      "npm",
      [
        "install",
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--prefix",
        prefix,
        `@modelcontextprotocol/conformance@${version}`,
      ],
      { timeout: 300_000 },
    );
  }
  return bin;
}

/** Forwards every request to `target` unchanged (Host and Origin included), with the API key added. */
async function keyProxy(target: URL, apiKey: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, authorization: `Bearer ${apiKey}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${target.pathname}` };
}

/** Runs one suite release against `url`; its checks, by scenario. */
async function runSuite(suite: (typeof SUITES)[number], url: string): Promise<Check[]> {
  const [node, bin] = await Promise.all([node22(), suiteBin(suite.version)]);
  const out = await mkdtemp(join(tmpdir(), "thoth-conformance-"));
  try {
    // The suite exits 1 when any check fails; the checks it wrote are judged below instead.
    await promisify(execFile)(node, [bin, "server", "--url", url, "-o", out, ...suite.args], {
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { code?: unknown }) => {
      if (typeof error.code !== "number") throw error;
    });
    const checks: Check[] = [];
    for (const folder of (await readdir(out)).sort()) {
      const scenario = folder.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, "");
      const file = join(out, folder, "checks.json");
      if (!existsSync(file)) continue;
      for (const c of JSON.parse(await readFile(file, "utf8")) as {
        id: string;
        status: string;
        errorMessage?: string;
      }[])
        checks.push({
          suite: suite.version,
          scenario,
          id: c.id,
          status: c.status,
          ...(c.errorMessage ? { message: c.errorMessage } : {}),
        });
    }
    if (!checks.length) throw new Error(`conformance ${suite.version} wrote no results`);
    return checks;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Both suites against a fresh `thoth dev`, judged against the lists above. */
export async function runConformance(): Promise<ConformanceReport> {
  const dataDir = await mkdtemp(join(tmpdir(), "thoth-conformance-data-"));
  const apiKey = `conformance-${Math.random().toString(36).slice(2)}`;
  const dev = await startThothDev({
    THOTH_DATA_DIR: dataDir,
    THOTH_API_KEY: apiKey,
    THOTH_LOG_LEVEL: "ERROR",
  });
  const proxy = await keyProxy(new URL(dev.url), apiKey);
  try {
    const checks: Check[] = [];
    for (const suite of SUITES) checks.push(...(await runSuite(suite, proxy.url)));
    const explained = (c: Check) => c.scenario in NOT_APPLICABLE_SCENARIOS || c.id in NOT_APPLICABLE_CHECKS;
    const unexpected = checks.filter((c) => FAILED.has(c.status) && !explained(c));
    const failedScenarios = new Set(checks.filter((c) => FAILED.has(c.status)).map((c) => c.scenario));
    const failedIds = new Set(checks.filter((c) => FAILED.has(c.status)).map((c) => c.id));
    const ranScenarios = new Set(checks.map((c) => c.scenario));
    const ranIds = new Set(checks.map((c) => c.id));
    const stale = [
      ...Object.keys(NOT_APPLICABLE_SCENARIOS).filter((s) => ranScenarios.has(s) && !failedScenarios.has(s)),
      ...Object.keys(NOT_APPLICABLE_CHECKS).filter((id) => ranIds.has(id) && !failedIds.has(id)),
    ];
    const passed: Record<string, string[]> = {};
    for (const suite of SUITES) {
      const mine = checks.filter((c) => c.suite === suite.version);
      passed[suite.version] = [...new Set(mine.map((c) => c.scenario))].filter(
        (s) => !mine.some((c) => c.scenario === s && FAILED.has(c.status)),
      );
    }
    return { checks, unexpected, stale, passed };
  } finally {
    dev.child.kill("SIGTERM");
    proxy.server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The report as a person reads it. */
export function describeReport(report: ConformanceReport): string {
  const lines: string[] = [];
  for (const suite of SUITES) {
    const mine = report.checks.filter((c) => c.suite === suite.version);
    const ok = mine.filter((c) => !FAILED.has(c.status)).length;
    const notApplicable = mine.filter(
      (c) =>
        FAILED.has(c.status) && (c.scenario in NOT_APPLICABLE_SCENARIOS || c.id in NOT_APPLICABLE_CHECKS),
    ).length;
    lines.push(
      `conformance ${suite.version} (${suite.era}): ${ok} checks passed, ${notApplicable} not applicable, ` +
        `${mine.length - ok - notApplicable} failed; scenarios passed in full: ${report.passed[suite.version]!.join(", ")}`,
    );
  }
  for (const c of report.unexpected)
    lines.push(`FAILED ${c.suite} ${c.scenario} ${c.id}: ${c.message ?? c.status}`);
  for (const s of report.stale)
    lines.push(`STALE: ${s} is listed as not applicable but passed; remove it from the list`);
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = await runConformance();
  console.log(describeReport(report));
  process.exitCode = report.unexpected.length || report.stale.length ? 1 : 0;
}
