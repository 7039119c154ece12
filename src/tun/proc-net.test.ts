import { createSocket } from "node:dgram";
import { describe, expect, it } from "vitest";
import { boundUdpPorts, udpPortBound } from "./proc-net.js";

const SAMPLE = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 0100007F:9C41 0100007F:9C42 01 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 0
 4567: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4243 2 0000000000000000 0
`;

describe("boundUdpPorts", () => {
  it("reads the local port of every line and skips the header", () => {
    expect([...boundUdpPorts(SAMPLE)].sort((a, b) => a - b)).toEqual([0x44, 0x9c41]);
  });

  it("reads udp6 lines (32-digit addresses) and ignores garbage", () => {
    const v6 = "    0: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 07 ...\nnot a line\n";
    expect([...boundUdpPorts(v6)]).toEqual([0x35]);
    expect(boundUdpPorts("").size).toBe(0);
  });
});

describe("udpPortBound", () => {
  it("sees a socket this process binds, and stops seeing it once closed", async () => {
    const socket = createSocket("udp4");
    await new Promise<void>((r) => socket.bind({ address: "127.0.0.1", port: 0 }, () => r()));
    const port = socket.address().port;
    expect(await udpPortBound(port)).toBe(true);
    await new Promise<void>((r) => socket.close(() => r()));
    expect(await udpPortBound(port)).toBe(false);
  });
});
