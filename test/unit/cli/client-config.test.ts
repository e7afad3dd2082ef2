import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeClientConfig } from "../../../cli/client-config.js";
import { clientConfig } from "../../../shared/client-config.js";
import { tempDir } from "../../helpers/folders.js";

const input = { url: "http://127.0.0.1:8787/mcp", apiKey: "k-123" };

describe("thoth client-config --out", () => {
  it("merges into an existing client file: other servers, settings and comments stay, the file becomes 0600", async () => {
    const file = join(await tempDir(), "mcp.json");
    await writeFile(
      file,
      '{\n  // mine\n  "servers": { "other": { "type": "stdio", "command": "x" } },\n  "inputs": []\n}\n',
      { mode: 0o644 },
    );
    expect(await writeClientConfig(file, clientConfig("vscode", input))).toBe("merged");
    const text = await readFile(file, "utf8");
    expect(text).toContain("// mine");
    const { parse } = await import("jsonc-parser");
    expect(parse(text)).toEqual({
      servers: {
        other: { type: "stdio", command: "x" },
        thoth: { type: "http", url: input.url, headers: { Authorization: "Bearer k-123" } },
      },
      inputs: [],
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // Writing again replaces thoth's entry only.
    await writeClientConfig(file, clientConfig("vscode", { ...input, apiKey: "k-456" }));
    expect(parse(await readFile(file, "utf8")).servers.thoth.headers.Authorization).toBe("Bearer k-456");
    expect(parse(await readFile(file, "utf8")).servers.other).toEqual({ type: "stdio", command: "x" });
  });

  it("refuses to overwrite a file it cannot merge into without force, and then writes it 0600", async () => {
    const dir = await tempDir();
    const notes = join(dir, "notes.txt");
    await writeFile(notes, "my notes", { mode: 0o644 });
    await expect(writeClientConfig(notes, clientConfig("claude", input))).rejects.toThrow(
      /exists and is not a JSON client configuration.*--force/,
    );
    expect(await readFile(notes, "utf8")).toBe("my notes");
    const json = join(dir, "x.json");
    await writeFile(json, '{"servers": {}}');
    await expect(writeClientConfig(json, clientConfig("claude-code", input))).rejects.toThrow(/--force/);
    expect(await writeClientConfig(notes, clientConfig("claude", input), true)).toBe("replaced");
    expect(JSON.parse(await readFile(notes, "utf8"))).toEqual(JSON.parse(clientConfig("claude", input)));
    expect((await stat(notes)).mode & 0o777).toBe(0o600);
    const fresh = join(dir, "new.json");
    expect(await writeClientConfig(fresh, clientConfig("cursor", input))).toBe("created");
    expect((await stat(fresh)).mode & 0o777).toBe(0o600);
  });
});
