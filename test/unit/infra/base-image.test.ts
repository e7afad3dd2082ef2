import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  BASE_IMAGE_TAG,
  BaseImageError,
  DOCKERFILE,
  pinBaseImage,
  readBaseImage,
  resolveBaseImage,
} from "../../../scripts/base-image.js";
import { describeSizes } from "../../../scripts/package.js";

const INDEX = "application/vnd.oci.image.index.v1+json";
const index = (architectures: string[]) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: INDEX,
    manifests: architectures.map((architecture, i) => ({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: `sha256:${String(i).repeat(64)}`,
      size: 1000,
      platform: { os: "linux", architecture },
    })),
  });
const sha = (body: string) => `sha256:${createHash("sha256").update(body).digest("hex")}`;

interface Answer {
  body: string;
  contentType?: string;
  digest?: string;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A registry speaking the OCI distribution API as public.ecr.aws does: a 401 challenge, then an anonymous token. */
async function registry(answer: Answer): Promise<{ endpoint: string; scopes: string[] }> {
  const scopes: string[] = [];
  server = createServer((req, res) => {
    const url = new URL(req.url!, "http://registry");
    const origin = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    if (url.pathname === "/token") {
      scopes.push(`${url.searchParams.get("service")} ${url.searchParams.get("scope")}`);
      res.setHeader("content-type", "application/json").end(JSON.stringify({ token: "anonymous-pull" }));
      return;
    }
    if (url.pathname !== "/v2/lambda/nodejs/manifests/22") return void res.writeHead(404).end();
    if (req.headers.authorization !== "Bearer anonymous-pull") {
      res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="${origin}/token",service="public.ecr.aws",scope="repository:lambda/nodejs:pull"`,
        })
        .end();
      return;
    }
    expect(req.headers.accept).toContain(INDEX);
    res
      .writeHead(200, {
        "content-type": answer.contentType ?? INDEX,
        "docker-content-digest": answer.digest ?? sha(answer.body),
      })
      .end(answer.body);
  });
  await new Promise<void>((ready) => server!.listen(0, "127.0.0.1", ready));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, scopes };
}

describe("the pinned base image (npm run base-image:pin)", () => {
  it("resolves the tag's multi-platform index with an anonymous pull token and checks its bytes", async () => {
    const body = index(["amd64", "arm64"]);
    const { endpoint, scopes } = await registry({ body });
    expect(await resolveBaseImage(BASE_IMAGE_TAG, { endpoint })).toBe(sha(body));
    expect(scopes).toEqual(["public.ecr.aws repository:lambda/nodejs:pull"]);
  });

  it("refuses what would break an architecture or is not what the registry claims", async () => {
    const cases: [Answer, RegExp][] = [
      [{ body: index(["amd64"]) }, /has no linux\/arm64 image/],
      [
        {
          body: JSON.stringify({ schemaVersion: 2, layers: [] }),
          contentType: "application/vnd.oci.image.manifest.v1+json",
        },
        /single-platform manifest/,
      ],
      [{ body: index(["amd64", "arm64"]), digest: `sha256:${"f".repeat(64)}` }, /its bytes hash to sha256:/],
      [{ body: "<html>rate limited</html>" }, /other than JSON/],
    ];
    for (const [answer, message] of cases) {
      const { endpoint } = await registry(answer);
      await expect(resolveBaseImage(BASE_IMAGE_TAG, { endpoint })).rejects.toThrow(message);
      await new Promise<void>((done) => server!.close(() => done()));
      server = undefined;
    }
  });

  it("says which registry it could not reach", async () => {
    const { endpoint } = await registry({ body: "" });
    await new Promise<void>((done) => server!.close(() => done()));
    server = undefined;
    const error = await resolveBaseImage(BASE_IMAGE_TAG, { endpoint }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BaseImageError);
    expect((error as Error).message).toMatch(
      /^could not reach public\.ecr\.aws to resolve public\.ecr\.aws\/lambda\/nodejs:22: /,
    );
  });

  it("pins the Dockerfile's one ARG line, which both stages build FROM", () => {
    const dockerfile = readFileSync(DOCKERFILE, "utf8");
    expect(readBaseImage(dockerfile).tagged).toBe(BASE_IMAGE_TAG);
    expect(dockerfile.match(/^FROM \$\{BASE_IMAGE\} AS \w+$/gm)).toEqual([
      "FROM ${BASE_IMAGE} AS deps",
      "FROM ${BASE_IMAGE} AS runtime",
    ]);
    const digest = `sha256:${"a".repeat(64)}`;
    const pinned = pinBaseImage(dockerfile, BASE_IMAGE_TAG, digest);
    expect(readBaseImage(pinned)).toEqual({ tagged: BASE_IMAGE_TAG, digest });
    expect(pinned.replace(/^ARG BASE_IMAGE=.*$/m, "")).toBe(dockerfile.replace(/^ARG BASE_IMAGE=.*$/m, ""));
    expect(() =>
      readBaseImage(dockerfile.replace(/^ARG BASE_IMAGE=.*$/m, "ARG BASE_IMAGE=x@sha256:12")),
    ).toThrow(/not sha256:<64 hex>/);
    expect(() => readBaseImage("FROM node:22\n")).toThrow(/no `ARG BASE_IMAGE=<image>` line/);
  });

  it("npm run package says when the base image is not pinned, and which digest it is when it is", () => {
    const unpinned = describeSizes([], true, { tagged: BASE_IMAGE_TAG, digest: undefined }).join("\n");
    expect(unpinned).toContain("not pinned by digest");
    const pinned = describeSizes([], true, {
      tagged: BASE_IMAGE_TAG,
      digest: `sha256:${"b".repeat(64)}`,
    }).join("\n");
    expect(pinned).toContain(`${BASE_IMAGE_TAG}@sha256:bbbbbbbbbbbb…`);
    expect(pinned).not.toContain("not pinned");
  });
});
