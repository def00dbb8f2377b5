import { describe, expect, it } from "vitest";
import { ApiKeyCache, type CachedApiKey } from "./cache.js";

const entry = (keyId: string, userId = "usr_1"): CachedApiKey => ({
  principal: {
    userId,
    keyId,
    mode: "test",
    scopes: ["messages:send"],
    maxMessagesPerDay: 10,
    maxSessions: 1,
  },
  expiresAt: null,
  revoked: false,
  accountActive: true,
});

describe("ApiKeyCache", () => {
  it("evicts the least recently used key past its bound", () => {
    const cache = new ApiKeyCache({ maxEntries: 2 });
    cache.set("h1", entry("key_1"), cache.generation);
    cache.set("h2", entry("key_2"), cache.generation);
    expect(cache.get("h1").kind).toBe("hit"); // h1 is now the most recent
    cache.set("h3", entry("key_3"), cache.generation);
    expect(cache.get("h2").kind).toBe("miss");
    expect(cache.get("h1").kind).toBe("hit");
    expect(cache.get("h3").kind).toBe("hit");
  });

  it("remembers unknown hashes briefly and within a bound", async () => {
    const cache = new ApiKeyCache({ negativeTtlMs: 30, maxNegativeEntries: 2 });
    cache.setUnknown("u1", cache.generation);
    cache.setUnknown("u2", cache.generation);
    cache.setUnknown("u3", cache.generation);
    expect(cache.get("u1").kind).toBe("miss");
    expect(cache.get("u3").kind).toBe("negative_hit");
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(cache.get("u3").kind).toBe("miss");
  });

  it("drops entries by key id or account, and ignores a load that raced an invalidation", () => {
    const cache = new ApiKeyCache();
    cache.set("h1", entry("key_1", "usr_a"), cache.generation);
    cache.set("h2", entry("key_2", "usr_a"), cache.generation);
    cache.set("h3", entry("key_3", "usr_b"), cache.generation);
    cache.invalidate({ keyIds: ["key_3"] });
    expect(cache.get("h3").kind).toBe("miss");
    cache.invalidate({ userId: "usr_a" });
    expect(cache.size.known).toBe(0);
    const before = cache.generation;
    cache.invalidate({ keyIds: ["key_9"] }); // arrives while a lookup is in flight
    cache.set("h9", entry("key_9"), before);
    expect(cache.get("h9").kind).toBe("miss");
  });
});
