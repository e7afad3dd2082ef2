/**
 * Local stand-ins for AWS that the tests start themselves on free loopback ports: s3rver (S3), dynalite
 * (DynamoDB) and a small Secrets Manager endpoint. The real AWS SDK talks to them over HTTP.
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { spawn, spawnSync } from "node:child_process";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import S3rver from "s3rver";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

type Headers = Record<string, string | string[] | undefined>;

/** Headers that describe one connection, not the message: a proxy must not pass them on. */
function withoutHopByHop(headers: Headers): Headers {
  const {
    connection: _c,
    "keep-alive": _k,
    "transfer-encoding": _t,
    "content-length": _l,
    ...rest
  } = headers;
  return rest;
}

export interface Emulator {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * s3rver behind a thin proxy that adds what s3rver lacks: conditional PUTs (If-None-Match: * and If-Match),
 * answered with 412 PreconditionFailed as S3 does. Conditional PUTs on one key are serialised.
 */
export async function startS3(
  bucket: string,
): Promise<Emulator & { stop(): Promise<void>; start(): Promise<void> }> {
  const s3 = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: process.env.S3RVER_DEBUG !== "1",
    directory: await tempDir("thoth-s3rver-"),
    configureBuckets: [{ name: bucket }],
  });
  const { port: upstream } = (await s3.run()) as AddressInfo;
  const locks = new Map<string, Promise<unknown>>();
  let down = false;

  const forward = (
    req: IncomingMessage,
    body: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
      (resolve, reject) => {
        const upstreamReq = request(
          { host: "127.0.0.1", port: upstream, method: req.method, path: req.url, headers },
          (res) => {
            const parts: Buffer[] = [];
            res.on("data", (d: Buffer) => parts.push(d));
            res.on("end", () =>
              resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(parts) }),
            );
          },
        );
        upstreamReq.on("error", reject);
        upstreamReq.end(body);
      },
    );

  const proxy = createServer(async (req, res) => {
    if (down) {
      req.socket.destroy();
      return;
    }
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const body = Buffer.concat(parts);
    const { "if-match": ifMatch, "if-none-match": ifNoneMatch, ...rest } = req.headers;
    const conditional = req.method === "PUT" && (ifMatch || ifNoneMatch);
    const key = req.url!.split("?")[0]!;
    const serve = async () => {
      if (conditional) {
        const head = await forward({ ...req, method: "HEAD" } as IncomingMessage, Buffer.alloc(0), {
          host: rest.host,
        });
        const etag = head.status === 200 ? String(head.headers.etag) : null;
        const ok = ifNoneMatch === "*" ? etag === null : etag !== null && etag === ifMatch;
        if (!ok) {
          res.writeHead(412, { "content-type": "application/xml" });
          res.end(
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
          );
          return;
        }
      }
      const out = await forward(req, body, withoutHopByHop(req.method === "PUT" ? rest : req.headers));
      const headers = withoutHopByHop(out.headers);
      if (req.method !== "HEAD") headers["content-length"] = String(out.body.length);
      res.writeHead(out.status, headers);
      res.end(out.body);
    };
    const previous = conditional ? (locks.get(key) ?? Promise.resolve()) : Promise.resolve();
    const next = previous.then(serve, serve);
    if (conditional)
      locks.set(
        key,
        next.catch(() => undefined),
      );
    await next.catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
    });
  });
  const port = await listen(proxy);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      proxy.closeAllConnections();
      await close(proxy);
      await s3.close();
    },
    /** Simulates an outage: connections are dropped until start() is called. */
    async stop() {
      down = true;
    },
    async start() {
      down = false;
    },
  };
}

export const CACHE_TABLE = "thoth-test-cache";

/** dynalite with the stack's table (pk/sk strings) already created. */
export async function startDynamo(): Promise<Emulator> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listen(server);
  const endpoint = `http://127.0.0.1:${port}`;
  await createCacheTable(endpoint);
  return { endpoint, close: () => close(server) };
}

/** The stack's cache table (pk/sk strings, on demand), as infra/components/storage.ts declares it. */
export async function createCacheTable(endpoint: string, table = CACHE_TABLE): Promise<void> {
  await new DynamoDBClient({ endpoint }).send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
    }),
  );
}

/**
 * A Secrets Manager endpoint speaking the service's JSON protocol for GetSecretValue, serving `secrets`
 * (ARN → value; `undefined` → ResourceNotFoundException). Counts the requests it answered.
 */
export async function startSecretsManager(
  secrets: Record<string, string | undefined>,
): Promise<Emulator & { requests: () => number; fail(on: boolean): void }> {
  let requests = 0;
  let failing = false;
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    requests++;
    const reply = (status: number, body: object) => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(body));
    };
    if (req.headers["x-amz-target"] !== "secretsmanager.GetSecretValue")
      return reply(400, { __type: "UnknownOperationException" });
    if (failing) return reply(500, { __type: "InternalServiceError", message: "injected failure" });
    const { SecretId } = JSON.parse(Buffer.concat(parts).toString()) as { SecretId: string };
    const value = secrets[SecretId];
    if (value === undefined)
      return reply(400, {
        __type: "ResourceNotFoundException",
        message: "Secrets Manager can't find the specified secret value",
      });
    return reply(200, {
      ARN: SecretId,
      Name: SecretId.split(":").pop(),
      SecretString: value,
      VersionId: "v1",
    });
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    fail: (on) => (failing = on),
    close: () => close(server),
  };
}

/** The Python moto_server on PATH (moto ≥ 5 with its server extras), if this machine has it. */
export function motoServerPath(): string | undefined {
  const found = spawnSync("moto_server", ["--help"], { stdio: "ignore", timeout: 30_000 });
  return found.status === 0 ? "moto_server" : undefined;
}

/**
 * moto_server (S3, DynamoDB, Secrets Manager and the rest, one endpoint), closer to AWS than the npm stand-ins:
 * it answers S3's conditional writes itself, and DynamoDB and Secrets Manager with the services' own errors.
 * Started on a free loopback port; `close` stops it and its state goes with it.
 */
export async function startMoto(): Promise<Emulator> {
  const probe = createServer();
  const port = await listen(probe);
  await close(probe);
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) =>
      reject(new Error(`moto_server exited (${code}) before answering: ${stderr.trim()}`)),
    ),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    // No time bound: moto imports every AWS service model before it listens, which a busy machine makes slow.
    // If it never listens, it exits (the race below) or the test's hook timeout ends the wait.
    while (child.exitCode === null && child.signalCode === null) {
      try {
        const res = await fetch(`${endpoint}/moto-api/data.json`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    child.kill();
    throw error;
  }
  exited.catch(() => {});
  return {
    endpoint,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}
