import { describe, expect, it } from "vitest";
import { fromNodeError, fsError } from "./errors.js";
import { FsError } from "./types.js";

function sysError(code: string): Error {
  return Object.assign(new Error(`${code}: failed, open '/srv/secret/host/path/x.txt'`), { code });
}

describe("fromNodeError", () => {
  it.each([
    ["ENOENT", "ENOENT"],
    ["EEXIST", "EEXIST"],
    ["ENOTDIR", "ENOTDIR"],
    ["EISDIR", "EISDIR"],
    ["ENOTEMPTY", "ENOTEMPTY"],
    ["EACCES", "EACCES"],
    ["EPERM", "EACCES"],
    ["ELOOP", "EACCES"],
    ["ENOSPC", "ENOSPC"],
    ["EDQUOT", "ENOSPC"],
    ["EINVAL", "EINVAL"],
    ["EBADF", "EIO"],
    ["EIO", "EIO"],
  ])("maps %s to %s without the host path", (errno, code) => {
    const e = fromNodeError(sysError(errno), "open", "/x.txt");
    expect(e).toBeInstanceOf(FsError);
    expect(e.code).toBe(code);
    expect(e.message).toContain("open /x.txt");
    expect(e.message).not.toContain("/srv");
    // The host's errno is kept when it says more than the code.
    if (errno !== code) expect(e.message).toContain(`(${errno})`);
    else expect(e.message).not.toContain("(");
  });

  it("passes FsErrors through and turns anything else into EIO", () => {
    const own = fsError("EEXIST", "mkdir", "/d");
    expect(fromNodeError(own, "other", "/y")).toBe(own);
    expect(fromNodeError("boom", "stat", "/z")).toMatchObject({ code: "EIO", message: "stat /z: input/output error" });
    expect(fromNodeError({ code: "weird code /etc" }, "stat", "/z").message).not.toContain("/etc");
  });
});
