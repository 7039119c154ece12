import { describe, expect, it } from "vitest";
import type { SchemaNode } from "./schema.js";
import { PROFILE_SCHEMA } from "./schema.js";
import { expectation, show, unsupportedKeywords, validateAgainst } from "./validate.js";

const schema: SchemaNode = {
  type: "object",
  required: ["n", "inner"],
  additionalProperties: false,
  properties: {
    n: { type: "integer", minimum: 1, maximum: 9 },
    s: { type: "string", title: "a word", pattern: "^[a-z]+$" },
    e: { type: "string", enum: ["a", "b"] },
    b: { type: "boolean" },
    ip: { type: "string", format: "ipv4" },
    ip6: { type: "string", format: "ipv6" },
    name: { type: "string", minLength: 1, maxLength: 3 },
    inner: { type: "object", additionalProperties: true, properties: { x: { type: "integer", minimum: 0 } } },
  },
};

describe("validateAgainst", () => {
  it("accepts a conforming value, extra fields where additionalProperties is true", () => {
    expect(validateAgainst(schema, { n: 5, s: "ab", e: "b", b: false, inner: { x: 0, extra: [1] } })).toEqual([]);
  });

  it.each([
    [{ n: "5" }, "n", 'must be an integer from 1 to 9, got "5"'],
    [{ n: 5.5 }, "n", "must be an integer from 1 to 9, got 5.5"],
    [{ n: 0 }, "n", "must be an integer from 1 to 9, got 0"],
    [{ n: 10 }, "n", "must be an integer from 1 to 9, got 10"],
    [{ s: "Ab" }, "s", 'must be a word, got "Ab"'],
    [{ e: "c" }, "e", 'must be one of "a", "b", got "c"'],
    [{ b: "yes" }, "b", 'must be true or false, got "yes"'],
    [{ ip: "198.51.100.300" }, "ip", 'must be an IPv4 address, got "198.51.100.300"'],
    [{ ip6: "fe80::1%eth0" }, "ip6", 'must be an IPv6 address, got "fe80::1%eth0"'],
    [{ name: "" }, "name", 'must be a non-empty string of at most 3 characters, got ""'],
    [{ name: "abcd" }, "name", 'must be a non-empty string of at most 3 characters, got "abcd"'],
    [{ inner: [] }, "inner", "must be an object, got an array"],
    [{ inner: { x: -1 } }, "inner.x", "must be an integer >= 0, got -1"],
    [{ typo: 1 }, "typo", "unknown field (a profile has n, s, e, b, ip, ip6, name, inner)"],
  ])("reports %j at its field", (patch, path, message) => {
    const value = { n: 1, inner: {}, ...patch };
    expect(validateAgainst(schema, value)).toEqual([{ path, message }]);
  });

  it("reports every missing required field with what it must be", () => {
    expect(validateAgainst(schema, {})).toEqual([
      { path: "n", message: "is required (an integer from 1 to 9)" },
      { path: "inner", message: "is required (an object)" },
    ]);
  });

  it("reports a wrong document type at the root path", () => {
    expect(validateAgainst(schema, null)).toEqual([{ path: "", message: "must be an object, got null" }]);
  });

  it("counts string length in code points", () => {
    expect(validateAgainst(schema, { n: 1, inner: {}, name: "ééé" })).toEqual([]);
  });

  it("refuses a schema that uses a keyword it does not implement", () => {
    const bad = { type: "object", properties: { a: { type: "string", oneOf: [] } } } as unknown as SchemaNode;
    expect(unsupportedKeywords(bad)).toEqual(["a: oneOf"]);
    expect(() => validateAgainst(bad, {})).toThrow(/unsupported keywords: a: oneOf/);
  });

  it("implements every keyword the profile schema uses", () => {
    expect(unsupportedKeywords(PROFILE_SCHEMA)).toEqual([]);
  });
});

describe("messages", () => {
  it("phrases ranges and values", () => {
    expect(expectation({ type: "integer", minimum: 64 })).toBe("an integer >= 64");
    expect(expectation({ type: "integer", maximum: 5 })).toBe("an integer <= 5");
    expect(show("x".repeat(100))).toBe(`"${"x".repeat(59)}..."`);
    expect(show(undefined)).toBe("nothing");
    expect(show({})).toBe("an object");
  });
});
