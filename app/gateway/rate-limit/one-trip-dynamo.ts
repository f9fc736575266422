import type { DynamoDB } from "@aws-sdk/client-dynamodb";
import { RateLimiterDynamo } from "rate-limiter-flexible";

type Options = ConstructorParameters<typeof RateLimiterDynamo>[0] & {
  storeClient: DynamoDB;
  tableName: string;
  duration: number;
};

interface StoredWindow {
  key: string;
  points: number;
  /** unix seconds */
  expire: number;
}

/**
 * RateLimiterDynamo in one round trip. The library's update first tries to open a new window
 * (conditional on the old one having expired) and, when that fails — for every request after
 * the first in a window — updates a second time: two sequential DynamoDB calls on the hot path.
 * Here each window is an item of its own (`<key>#<window number>`), so one unconditional
 * `ADD` both opens and counts it. Windows are fixed and aligned to the clock; the table's TTL
 * on `expire` removes finished ones. Overrides the store methods RateLimiterStoreAbstract
 * delegates to (`_upsert`, `_get`, `_delete`); everything else (insurance limiter, block,
 * penalty, reward) is the library's.
 */
export class OneTripDynamoLimiter extends RateLimiterDynamo {
  private readonly dynamo: DynamoDB;
  private readonly table: string;
  private readonly windowMs: number;

  constructor(options: Options) {
    super(options);
    this.dynamo = options.storeClient;
    this.table = options.tableName;
    this.windowMs = options.duration * 1000;
  }

  private windowOf(rlKey: string, msDuration: number): { item: string; expire: number } {
    if (msDuration <= 0) return { item: rlKey, expire: -1 };
    const index = Math.floor(Date.now() / msDuration);
    return { item: `${rlKey}#${index}`, expire: ((index + 1) * msDuration) / 1000 };
  }

  async _upsert(
    rlKey: string,
    points: number,
    msDuration: number,
    forceExpire = false,
  ): Promise<StoredWindow> {
    const { item, expire } = this.windowOf(rlKey, msDuration);
    const data = await this.dynamo.updateItem({
      TableName: this.table,
      Key: { key: { S: item } },
      UpdateExpression: forceExpire
        ? "SET points = :points, expire = :expire"
        : "ADD points :points SET expire = if_not_exists(expire, :expire)",
      ExpressionAttributeValues: { ":points": { N: String(points) }, ":expire": { N: String(expire) } },
      ReturnValues: "ALL_NEW",
    });
    return {
      key: item,
      points: Number(data.Attributes?.points?.N ?? points),
      expire: Number(data.Attributes?.expire?.N ?? expire),
    };
  }

  async _get(rlKey: string): Promise<StoredWindow | null> {
    const { item } = this.windowOf(rlKey, this.windowMs);
    const data = await this.dynamo.getItem({ TableName: this.table, Key: { key: { S: item } } });
    if (!data.Item) return null;
    return { key: item, points: Number(data.Item.points?.N ?? 0), expire: Number(data.Item.expire?.N ?? -1) };
  }

  async _delete(rlKey: string): Promise<boolean> {
    const { item } = this.windowOf(rlKey, this.windowMs);
    await this.dynamo.deleteItem({ TableName: this.table, Key: { key: { S: item } } });
    return true;
  }
}
