/**
 * What `docker build` of functions/Dockerfile does, done on this machine: install the runtime modules from
 * the context's deps/ lockfile with `npm ci` (install scripts compile hnswlib-node from its sources), run the
 * Dockerfile's prune and native check over them, and lay a target out as Lambda sees an image's /var/task. The packaging tests and the
 * cold-start benchmark run the handlers from this layout on Node 22, away from the repo's node_modules.
 * It stands in for the image build where no Docker engine exists; it does not replace it (the compiler and
 * glibc are this machine's, not Amazon Linux 2023's).
 */
import { execFile } from "node:child_process";
import { cp, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { IMAGE_APP_DIR } from "../shared/artifacts.js";
import { checkNativeModules, pruneOtherPlatforms } from "./native-check.js";

const exec = promisify(execFile);

/** `npm ci --omit=dev` in a copy of an image context's `deps`, then the native check; returns its node_modules. */
export async function installRuntimeModules(context: string, workDir: string): Promise<string> {
  const deps = join(workDir, "deps");
  await mkdir(deps, { recursive: true });
  await cp(join(context, "deps"), deps, { recursive: true });
  await exec("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: deps,
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const modules = join(deps, "node_modules");
  await pruneOtherPlatforms(modules);
  await checkNativeModules([modules]);
  return modules;
}

/** `/var/task` of one image (`context` is its own): the bundled app, the runtime modules and the model. */
export async function layOutImage(
  context: string,
  modules: string,
  taskDir: string,
  modelDir = join(context, "model"),
): Promise<string> {
  await cp(join(context, IMAGE_APP_DIR), taskDir, { recursive: true });
  await cp(modules, join(taskDir, "node_modules"), { recursive: true, verbatimSymlinks: true });
  await cp(modelDir, join(taskDir, "model"), { recursive: true });
  return taskDir;
}
