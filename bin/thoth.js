#!/usr/bin/env node
// The installed `thoth` command: runs the TypeScript CLI through tsx.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
