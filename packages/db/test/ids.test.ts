import { describe, expect, it } from "vitest";
import { idAtTime, idTime, newId } from "../src/ids.js";

describe("newId", () => {
  it("is prefixed, 30 chars, and strictly increasing within one millisecond", () => {
    const now = Date.UTC(2026, 0, 1);
    const ids = Array.from({ length: 1000 }, () => newId("message", now));
    expect(ids[0]).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("encodes its time, and idAtTime bounds ranges", () => {
    const at = new Date("2026-11-21T08:00:00.123Z");
    const id = newId("user", at.getTime() + 5000);
    expect(idTime(id).getTime()).toBeGreaterThanOrEqual(at.getTime());
    expect(idAtTime("user", at) < id).toBe(true);
  });
});
