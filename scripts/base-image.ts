/**
 * The Lambda base image both function images start from, pinned by digest in functions/Dockerfile's
 * `ARG BASE_IMAGE=…` line, so a rebuild of unchanged sources uses the same operating system and Node.
 *
 * `npm run base-image:pin` asks the registry (public.ecr.aws, through the OCI distribution API's anonymous token)
 * which multi-platform index the tag names now, checks that it covers linux/amd64 and linux/arm64 and that its
 * bytes hash to the digest the registry claims, and writes `<image>:<tag>@sha256:<digest>` into the Dockerfile.
 * Run it to take the base image's security updates (AWS republishes it about weekly), then `npm run package` and
 * `pulumi up`; review the diff like any dependency bump. `-- --check` prints the pin and the registry's current
 * digest without writing.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export const DOCKERFILE = fileURLToPath(new URL("../functions/Dockerfile", import.meta.url));
/** The repository and tag the pin follows. */
export const BASE_IMAGE_TAG = "public.ecr.aws/lambda/nodejs:22";
/** The platforms thoth:architecture can ask for: the index must hold both. */
export const REQUIRED_PLATFORMS = ["linux/amd64", "linux/arm64"] as const;

const INDEX_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
const ARG_LINE = /^ARG BASE_IMAGE=(\S+)$/m;

export class BaseImageError extends Error {
  override name = "BaseImageError";
}

export interface BaseImageRef {
  /** `public.ecr.aws/lambda/nodejs:22` */
  tagged: string;
  /** `sha256:…`, or undefined when the Dockerfile names the tag alone. */
  digest: string | undefined;
}

/** The `ARG BASE_IMAGE=` value of a Dockerfile. */
export function readBaseImage(dockerfile: string): BaseImageRef {
  const value = ARG_LINE.exec(dockerfile)?.[1];
  if (!value) throw new BaseImageError("the Dockerfile has no `ARG BASE_IMAGE=<image>` line");
  const [tagged, digest] = value.split("@") as [string, string | undefined];
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new BaseImageError(`the Dockerfile's base image digest is not sha256:<64 hex>: ${digest}`);
  return { tagged, digest };
}

/** The Dockerfile with its base image pinned to `digest`. */
export function pinBaseImage(dockerfile: string, tagged: string, digest: string): string {
  readBaseImage(dockerfile);
  return dockerfile.replace(ARG_LINE, `ARG BASE_IMAGE=${tagged}@${digest}`);
}

/** `registry/repo/path:tag` → its parts (the registry is the first segment, as in every reference here). */
function parseReference(tagged: string): { registry: string; repository: string; tag: string } {
  const match = /^([^/]+)\/(.+):([\w.-]+)$/.exec(tagged);
  if (!match) throw new BaseImageError(`not a registry/repository:tag reference: ${tagged}`);
  return { registry: match[1]!, repository: match[2]!, tag: match[3]! };
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
function parseChallenge(header: string | null): Record<string, string> | undefined {
  if (!header?.toLowerCase().startsWith("bearer ")) return undefined;
  return Object.fromEntries([...header.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

/**
 * The digest of the multi-platform index `tagged` names now, checked: an index (not one platform's manifest),
 * holding every REQUIRED_PLATFORMS entry, whose bytes hash to the digest the registry sends.
 * `endpoint` replaces `https://<registry>` (tests).
 */
export async function resolveBaseImage(
  tagged: string,
  options: { endpoint?: string; fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<string> {
  const { registry, repository, tag } = parseReference(tagged);
  const base = (options.endpoint ?? `https://${registry}`).replace(/\/+$/, "");
  const get = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const url = `${base}/v2/${repository}/manifests/${tag}`;
  const request = (authorization?: string) =>
    get(url, {
      headers: { accept: INDEX_TYPES.join(", "), ...(authorization ? { authorization } : {}) },
      signal: AbortSignal.timeout(timeoutMs),
    });
  let response: Response;
  try {
    response = await request();
    const challenge =
      response.status === 401 ? parseChallenge(response.headers.get("www-authenticate")) : undefined;
    if (challenge?.realm) {
      const tokenUrl = new URL(challenge.realm);
      if (challenge.service) tokenUrl.searchParams.set("service", challenge.service);
      tokenUrl.searchParams.set("scope", challenge.scope ?? `repository:${repository}:pull`);
      const tokenResponse = await get(tokenUrl, { signal: AbortSignal.timeout(timeoutMs) });
      if (!tokenResponse.ok)
        throw new BaseImageError(
          `${registry} refused an anonymous pull token (HTTP ${tokenResponse.status})`,
        );
      const { token, access_token } = (await tokenResponse.json()) as {
        token?: string;
        access_token?: string;
      };
      if (!token && !access_token)
        throw new BaseImageError(`${registry} sent a token answer without a token`);
      response = await request(`Bearer ${token ?? access_token}`);
    }
  } catch (error) {
    if (error instanceof BaseImageError) throw error;
    // fetch says "fetch failed" and keeps the reason (ENOTFOUND, ECONNREFUSED, a timeout) in its cause.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = [error instanceof Error ? error.message : String(error), cause?.code ?? cause?.message]
      .filter(Boolean)
      .join(": ");
    throw new BaseImageError(`could not reach ${registry} to resolve ${tagged}: ${reason}`, { cause: error });
  }
  if (!response.ok) throw new BaseImageError(`${registry} answered HTTP ${response.status} for ${tagged}`);
  const body = Buffer.from(await response.arrayBuffer());
  const claimed = response.headers.get("docker-content-digest");
  const actual = `sha256:${createHash("sha256").update(body).digest("hex")}`;
  if (claimed && claimed !== actual)
    throw new BaseImageError(`${registry} sent ${tagged} as ${claimed}, but its bytes hash to ${actual}`);
  const mediaType = response.headers.get("content-type")?.split(";")[0]?.trim();
  let index: { mediaType?: string; manifests?: { platform?: { os?: string; architecture?: string } }[] };
  try {
    index = JSON.parse(body.toString("utf8")) as typeof index;
  } catch (error) {
    throw new BaseImageError(`${registry} sent ${tagged} as something other than JSON`, { cause: error });
  }
  if (!INDEX_TYPES.includes(mediaType ?? index.mediaType ?? "") || !Array.isArray(index.manifests))
    throw new BaseImageError(
      `${tagged} is a single-platform manifest (${mediaType ?? "no media type"}), not a multi-platform index: pinning it would break one architecture`,
    );
  const platforms = new Set(index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`));
  const missing = REQUIRED_PLATFORMS.filter((p) => !platforms.has(p));
  if (missing.length) throw new BaseImageError(`${tagged} (${actual}) has no ${missing.join(" or ")} image`);
  return actual;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes("--check");
  try {
    const dockerfile = await readFile(DOCKERFILE, "utf8");
    const pinned = readBaseImage(dockerfile);
    const digest = await resolveBaseImage(BASE_IMAGE_TAG);
    console.log(
      `${BASE_IMAGE_TAG} is ${digest} now; functions/Dockerfile pins ${pinned.digest ?? "nothing (the tag alone)"}`,
    );
    if (!check && pinned.digest !== digest) {
      await writeFile(DOCKERFILE, pinBaseImage(dockerfile, BASE_IMAGE_TAG, digest));
      console.log("pinned: run npm run package, then pulumi up, to build on it");
    }
  } catch (error) {
    console.error(`base-image: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
