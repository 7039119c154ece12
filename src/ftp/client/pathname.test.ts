import { describe, expect, it } from "vitest";
import { quotedPath } from "./pathname.js";

describe("quotedPath", () => {
  it("takes the quoted path of a 257 reply", () => {
    expect(quotedPath('"/home/user" is the current directory')).toBe("/home/user");
  });
  it("undoubles quotes inside the path (RFC 959 appendix II)", () => {
    expect(quotedPath('"/a ""b"" c" created')).toBe('/a "b" c');
  });
  it("reads NetX's MKD 200 text", () => {
    expect(quotedPath('"/abc" Directory Created')).toBe("/abc");
  });
  it("is undefined without a quote or with an unterminated one", () => {
    expect(quotedPath("MKD command successful")).toBeUndefined();
    expect(quotedPath('"/never closed')).toBeUndefined();
  });
});
