// The README's "layers by hand" example, run by CI: the README shows this file verbatim from its
// first import (src/readme.test.ts checks). No board process: two of our stacks on an in-memory
// byte link play host and board, which is how hilftp's own stack tests run.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { expect, it } from "vitest";
import { DEFAULT_TCP_CONFIG, FtpClient, FtpServer, HostNetwork, linkPair, pcapTap, readPcap, shape, SlipFraming, SlipNetwork, Stack } from "hilftp";

it("composes link, SLIP, shaper, pcap, stack, Network and FTP by hand", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hilftp-layers-"));
  // Two ends of an in-memory byte link stand for the UART; SLIP frames IP packets on each.
  const [hostBytes, boardBytes] = linkPair();
  // Host side, from the wire up: SLIP, a 921600-baud UART shaper, a pcap of every packet.
  const hostLink = pcapTap(shape(new SlipFraming(hostBytes, { name: "host" }), { baud: 921_600 }), join(dir, "run.pcap"));
  const boardLink = new SlipFraming(boardBytes, { name: "board" });
  const tcp = { ...DEFAULT_TCP_CONFIG, mss: 536, maxSegmentsInFlight: 4 }; // a device-class peer
  const host = new Stack(hostLink, { mtu: 576, tcp, ipv4: { local: "198.51.100.1", peer: "198.51.100.2" } });
  const board = new Stack(boardLink, { mtu: 576, tcp, ipv4: { local: "198.51.100.2", peer: "198.51.100.1" } });

  // The FTP code sees only a Network: SlipNetwork over our stack here, HostNetwork (node:net) below.
  const server = new FtpServer({ network: new SlipNetwork(board), host: "198.51.100.2", port: 21, root: dir, users: { u: "p" }, dialect: "netx" });
  await server.listen();
  const client = await FtpClient.connect({ network: new SlipNetwork(host), host: "198.51.100.2", user: "u", password: "p" });
  await client.upload(Readable.from([Buffer.from("hello, board")]), "/hello.txt");
  await client.quit();
  await server.close();
  host.close();
  board.close();
  await Promise.all([hostLink.close(), boardLink.close()]);
  expect(await readFile(join(dir, "hello.txt"), "utf8")).toBe("hello, board");
  const pcap = readPcap(await readFile(join(dir, "run.pcap")));
  expect(pcap.ok && pcap.file.records.length).toBeGreaterThan(10);

  // The same server and client on the host's own TCP/IP.
  const local = new FtpServer({ network: new HostNetwork(), host: "127.0.0.1", port: 0, root: dir, users: { u: "p" } });
  const at = await local.listen();
  const again = await FtpClient.connect({ host: at.address, port: at.port, user: "u", password: "p" });
  expect((await again.list("/")).map((e) => e.name)).toContain("hello.txt");
  await again.quit();
  await local.close();
});
