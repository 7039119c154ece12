// The forwarder's control-line rules without sockets: routing, reading the board's 227/229,
// the replies the client gets in their place, and the exact bytes relayed.
import { describe, expect, it } from "vitest";
import { parseCommand, ReplyParser, type Reply } from "../ftp/protocol/index.js";
import { ACTIVE_REFUSED, boardDataPort, clientPassiveReply, epsvFamilyRefusal, loggedCommand, routeCommand, unknownCommand, wireReply } from "./rewrite.js";

function reply(wire: string): Reply {
  const got = new ReplyParser().push(wire);
  expect(got).toHaveLength(1);
  return got[0]!;
}

function route(line: string): string {
  return routeCommand(parseCommand(line)!);
}

describe("routeCommand", () => {
  it("keeps active mode, passive mode and transfers apart, case-insensitively", () => {
    expect(["PORT 127,0,0,1,4,1", "eprt |1|127.0.0.1|1025|", "LPRT 4,4,127,0,0,1,2,4,1"].map(route)).toEqual(["active", "active", "active"]);
    expect(["PASV", "epsv", "EPSV 2", "EPSV ALL", "epsv all", "LPSV"].map(route)).toEqual(["pasv", "epsv", "epsv", "epsv-all", "epsv-all", "long-passive"]);
    expect(["RETR a", "STOR a", "STOU", "APPE a", "LIST", "NLST /", "MLSD"].map(route)).toEqual(Array(7).fill("transfer"));
    expect(["QUIT", "ABOR", "USER hil", "MKD d", "TYPE I", "SIZE a"].map(route)).toEqual(["quit", "abort", "plain", "plain", "plain", "plain"]);
  });
});

describe("boardDataPort", () => {
  it("reads NetX's 227 and 229 and nothing else", () => {
    expect(boardDataPort(reply("227 Entering Passive Mode (198,51,100,2,192,0). \r\n"))).toBe(49152);
    expect(boardDataPort(reply("227 Entering Passive Mode (198,51,100,2,192,1).\r\n"))).toBe(49153);
    expect(boardDataPort(reply("229 Entering Extended Passive Mode (|||49154|)\r\n"))).toBe(49154);
    expect(boardDataPort(reply("229 Entering Extended Passive Mode (!!!49155!)\r\n"))).toBe(49155);
    // RFC 1123 allows the numbers without parentheses.
    expect(boardDataPort(reply("227 =10,0,0,1,4,1\r\n"))).toBe(1025);
    expect(boardDataPort(reply("227 Entering Passive Mode (198,51,100,2,0,0).\r\n"))).toBeUndefined();
    expect(boardDataPort(reply("227 nothing here\r\n"))).toBeUndefined();
    expect(boardDataPort(reply("229 Entering Extended Passive Mode (|||0|)\r\n"))).toBeUndefined();
    expect(boardDataPort(reply("501 PASV Fail \r\n"))).toBeUndefined();
    expect(boardDataPort(reply("200 Port set (1,2,3,4,5,6)\r\n"))).toBeUndefined();
  });
});

describe("clientPassiveReply", () => {
  it("names our listener: 227 with its IPv4 address, 229 with its port only", () => {
    expect(clientPassiveReply("PASV", { address: "127.0.0.1", port: 40000, family: 4 })).toBe("227 Entering Passive Mode (127,0,0,1,156,64).\r\n");
    expect(clientPassiveReply("EPSV", { address: "127.0.0.1", port: 40000, family: 4 })).toBe("229 Entering Extended Passive Mode (|||40000|)\r\n");
    expect(clientPassiveReply("EPSV", { address: "::1", port: 2122, family: 6 })).toBe("229 Entering Extended Passive Mode (|||2122|)\r\n");
    // Round trip through the same parsers a client uses.
    expect(boardDataPort(reply(clientPassiveReply("PASV", { address: "10.1.2.3", port: 65535, family: 4 })))).toBe(65535);
  });

  it("refuses to put an IPv6 address in a 227 (the caller answers PASV_NEEDS_IPV4 first)", () => {
    expect(() => clientPassiveReply("PASV", { address: "::1", port: 2122, family: 6 })).toThrow(TypeError);
  });
});

describe("the forwarder's own replies", () => {
  it("refuses active mode with one clear 502 line", () => {
    expect(ACTIVE_REFUSED).toBe("502 hilftp forward: active mode is not supported through the tunnel; use passive (PASV/EPSV)\r\n");
  });

  it("answers EPSV 1/2 for the wrong family with 522 naming the right one", () => {
    expect(epsvFamilyRefusal("", 4)).toBeUndefined();
    expect(epsvFamilyRefusal("1", 4)).toBeUndefined();
    expect(epsvFamilyRefusal("2", 6)).toBeUndefined();
    expect(epsvFamilyRefusal("2", 4)).toBe("522 hilftp forward: network protocol not supported, use (1)\r\n");
    expect(epsvFamilyRefusal("1", 6)).toBe("522 hilftp forward: network protocol not supported, use (2)\r\n");
  });

  it("takes 500/502 to EPSV as 'unknown command' and a 501 (no free port) as a real refusal", () => {
    expect(unknownCommand(reply("502 Not Implemented \r\n"))).toBe(true);
    expect(unknownCommand(reply("500 Unknown command\r\n"))).toBe(true);
    expect(unknownCommand(reply("501 EPSV Fail \r\n"))).toBe(false);
    expect(unknownCommand(reply("530 Not logged in \r\n"))).toBe(false);
  });
});

describe("wireReply and loggedCommand", () => {
  it("relays a reply byte for byte (NetX's trailing space, multi-line replies)", () => {
    expect(wireReply(reply("250 File Written \r\n"))).toBe("250 File Written \r\n");
    expect(wireReply(reply("211-Features:\r\n EPSV\r\n211 End\r\n"))).toBe("211-Features:\r\n EPSV\r\n211 End\r\n");
    expect(wireReply(reply("220 ready\n"))).toBe("220 ready\r\n");
  });

  it("masks PASS in logs", () => {
    expect(loggedCommand(parseCommand("PASS secret")!)).toBe("PASS ****");
    expect(loggedCommand(parseCommand("retr a b.bin")!)).toBe("RETR a b.bin");
    expect(loggedCommand(parseCommand("NOOP")!)).toBe("NOOP");
  });
});
