// The README's library example, run by CI: the README shows this file verbatim from its first
// import (src/readme.test.ts checks). The board's own FTP server and the board's FTP client
// against hilftp's server, both over one SLIP tunnel to native-sim.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { AgentClient, FtpClient, FtpServer, loadProfile, openTunnel, tunnelOptions } from "hilftp";

it("talks FTP to the board and lets the board talk FTP to us", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hilftp-example-"));
  process.env.HILFTP_STATE_DIR ??= dir; // where native-sim keeps its "flash" between runs

  // The profile sizes the host's TCP (MTU, MSS, window, segments in flight) like the board's.
  const profile = await loadProfile("native-sim");
  // Its link is `sim`: build the native target, start it, wait until it answers ping.
  const tunnel = await openTunnel(tunnelOptions(profile, {}));
  try {
    await writeFile(join(dir, "fw.bin"), "firmware image");
    const board = await FtpClient.connect({
      network: tunnel.network,
      host: profile.addresses.boardIpv4,
      user: profile.ftp.user,
      password: profile.ftp.password,
    });
    await board.upload(join(dir, "fw.bin"), "/fw.bin");
    expect((await board.list("/")).map((e) => e.name)).toContain("fw.bin");
    await board.quit();

    // hilftp's server on the host end of the same tunnel, for the board's FTP client.
    const server = new FtpServer({ network: tunnel.network, host: profile.addresses.hostIpv4, port: 2121, root: dir, users: { dev: "pw" } });
    await server.listen();
    // The board's test agent (firmware-shim) drives its FTP client: GET from us into its RAM fs.
    const { agent } = await AgentClient.connect(tunnel.network, { host: profile.addresses.boardIpv4 });
    const got = await agent.get({ host: profile.addresses.hostIpv4, port: 2121, user: "dev", password: "pw", mode: "passive", remote: "/fw.bin", local: "/copy.bin" });
    expect(got.bytes).toBe((await readFile(join(dir, "fw.bin"))).length);
    agent.close();
    await server.close();
  } finally {
    await tunnel.close(); // stops the native target
  }
});
