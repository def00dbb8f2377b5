import { describe, expect, it } from "vitest";
import { normalizePhone } from "./normalize.js";
import { decidePrefix, type PrefixRule } from "./policy.js";

const rule = (prefix: string, allowed: boolean): PrefixRule => ({
  id: `pfx_${prefix}`,
  prefix,
  allowed,
});

describe("normalizePhone", () => {
  it("reads international numbers with spaces, dashes, dots, parentheses or a 00 prefix", () => {
    for (const input of [
      "+213661234567",
      "+213 661-23-45-67",
      "+213 (661) 23.45.67",
      "00213661234567",
    ]) {
      expect(normalizePhone(input)).toEqual({ ok: true, e164: "+213661234567", country: "DZ" });
    }
  });

  it("refuses national forms, letters and impossible numbers", () => {
    for (const input of ["0661234567", "+213abc", "+2136612", "", "+999123456789"]) {
      expect(normalizePhone(input).ok, input).toBe(false);
    }
  });
});

describe("decidePrefix", () => {
  it("allows every number when there are no rows", () => {
    expect(decidePrefix([], "+213661234567")).toMatchObject({ allowed: true, reason: "no_rules" });
  });

  it("with allow rows, allows only matching numbers", () => {
    const rules = [rule("+2136", true), rule("+2137", true)];
    expect(decidePrefix(rules, "+213661234567")).toMatchObject({
      allowed: true,
      rule: { prefix: "+2136" },
    });
    expect(decidePrefix(rules, "+213551234567")).toMatchObject({
      allowed: false,
      reason: "not_in_allow_list",
    });
  });

  it("refuses a number matching a deny row, even under a longer or shorter allow row", () => {
    expect(decidePrefix([rule("+213", true), rule("+2135", false)], "+213551234567")).toMatchObject(
      {
        allowed: false,
        reason: "denied",
        rule: { prefix: "+2135" },
      },
    );
    expect(decidePrefix([rule("+213", false), rule("+2136", true)], "+213661234567")).toMatchObject(
      {
        allowed: false,
        reason: "denied",
      },
    );
  });

  it("with deny rows only, allows everything else and reports the longest deny match", () => {
    const rules = [rule("+2135", false), rule("+21355", false)];
    expect(decidePrefix(rules, "+213661234567")).toMatchObject({ allowed: true });
    expect(decidePrefix(rules, "+213551234567")).toMatchObject({
      allowed: false,
      rule: { prefix: "+21355" },
    });
  });
});
