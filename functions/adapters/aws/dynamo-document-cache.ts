import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { endpoint, region } from "./config.js";
import { BatchWriteCommand, PutCommand, QueryCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DocumentCache, RefreshRun } from "../../core/ports.js";
import type { CachedDocument } from "../../core/contracts.js";

/** How long refresh-run records live before DynamoDB's TTL removes them. */
const RUN_TTL_SECONDS = 90 * 24 * 3600;

type Key = { pk: string; sk: string };

/**
 * Document metadata and refresh runs in the stack's table: documents under `pk = doc#<collection>`,
 * `sk = <doc id>`; runs under `pk = run#<collection>`, `sk = <startedAt>#<runId>` with a TTL.
 */
export class DynamoDocumentCache implements DocumentCache {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async #query<T>(pk: string, options: { newestFirst?: boolean; limit?: number } = {}): Promise<(T & Key)[]> {
    const items: (T & Key)[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": pk },
          ScanIndexForward: !options.newestFirst,
          ExclusiveStartKey: start,
          ...(options.limit ? { Limit: options.limit - items.length } : {}),
        }),
      );
      items.push(...((out.Items ?? []) as (T & Key)[]));
      start = out.LastEvaluatedKey;
    } while (start && (!options.limit || items.length < options.limit));
    return items;
  }

  async #batchWrite(requests: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      let pending: Record<string, unknown>[] = requests.slice(i, i + 25);
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        if (attempt > 8)
          throw new Error(`DynamoDB left ${pending.length} write(s) unprocessed in ${this.table}`);
        const out = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.table]: pending } }),
        );
        pending = (out.UnprocessedItems?.[this.table] ?? []) as Record<string, unknown>[];
      }
    }
  }

  async replaceDocuments(collection: string, documents: CachedDocument[]): Promise<void> {
    const pk = `doc#${collection}`;
    const keep = new Set(documents.map((d) => d.id));
    const stale = (await this.#query<CachedDocument>(pk)).filter((item) => !keep.has(item.sk));
    await this.#batchWrite([
      ...documents.map((d) => ({ PutRequest: { Item: { pk, sk: d.id, ...d } } })),
      ...stale.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })),
    ]);
  }

  async listDocuments(collection: string): Promise<CachedDocument[]> {
    return (await this.#query<CachedDocument>(`doc#${collection}`)).map(
      ({ pk: _pk, sk: _sk, ...doc }) => doc,
    );
  }

  async putRun(run: RefreshRun): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `run#${run.collection}`,
          sk: `${run.startedAt}#${run.runId}`,
          ...run,
          expiresAt: Math.floor(Date.parse(run.startedAt) / 1000) + RUN_TTL_SECONDS,
        },
      }),
    );
  }

  async listRuns(collection: string, limit = 20): Promise<RefreshRun[]> {
    const items = await this.#query<RefreshRun & { expiresAt?: number }>(`run#${collection}`, {
      newestFirst: true,
      limit,
    });
    return items.map(({ pk: _pk, sk: _sk, expiresAt: _e, ...run }) => run);
  }
}

export function dynamoDocumentClient(env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  const url = endpoint(env, "DYNAMODB");
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...region(env), ...(url ? { endpoint: url } : {}) }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
}
