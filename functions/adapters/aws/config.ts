/**
 * Where AWS SDK clients connect. `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_<SERVICE>`) points them at an emulator;
 * the region comes from `env` when it names one (the CLI passes a stack's region), else from the SDK's chain.
 * Each client is built by its adapter's module, so a process loads only the SDKs it uses.
 */
export function endpoint(env: NodeJS.ProcessEnv, service: string): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
}

export function region(env: NodeJS.ProcessEnv): { region?: string } {
  const name = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  return name ? { region: name } : {};
}
