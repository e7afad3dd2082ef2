import { endpoint, region } from "../functions/adapters/aws/config.js";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";

/** Invokes a deployed function synchronously and returns its JSON answer, or its error. */
export async function invokeFunction(
  functionName: string,
  payload: unknown,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ok: true; result: unknown } | { ok: false; error: string }> {
  const out = await lambdaClient(env).send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: "RequestResponse",
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : "null";
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (out.FunctionError) {
    const message = (body as { errorMessage?: string } | undefined)?.errorMessage ?? String(text);
    return { ok: false, error: `${functionName} failed: ${message}` };
  }
  return { ok: true, result: body };
}

export function lambdaClient(env: NodeJS.ProcessEnv = process.env): LambdaClient {
  const url = endpoint(env, "LAMBDA");
  return new LambdaClient({ ...region(env), ...(url ? { endpoint: url } : {}) });
}
