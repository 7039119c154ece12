// AgentClient against a scripted fake agent on 127.0.0.1: the exact request lines (escaping), reply
// parsing for every verb, ERR as AgentError, one request at a time, and every way the connection
// can go bad (timeout, close, garbage). The real agent is exercised by src/testing/board.test.ts.
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HostNetwork } from "../network.js";
import { AgentClient, AgentConnectionError, AgentError, agentEscape, agentUnescape } from "./agent-client.js";

const HELLO =
  "OK board=native-sim version=0.1%20beta agent=1 mtu=1500 pool=16x1500 mss=1460 window=5840 fs=262144 free=261120 files=64 ftp=21 sessions=4 ipv6=1 image=loaded read_only=0 uptime_ms=1234";
const SHA = "a".repeat(64);

interface Fake {
  readonly port: number;
  /** Lines the fake received, in order. */
  readonly lines: string[];
  /** Sockets it accepted. */
  readonly sockets: net.Socket[];
  close(): Promise<void>;
}

const open: Fake[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
});

/** A fake agent: `answer` maps each request line to reply text (sent with LF), or undefined for silence. */
async function fakeAgent(answer: (line: string, socket: net.Socket) => string | undefined): Promise<Fake> {
  const lines: string[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    let buf = "";
    socket.setEncoding("latin1");
    socket.on("error", () => undefined);
    socket.on("data", (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        const reply = line === "HELLO" ? HELLO : answer(line, socket);
        if (reply !== undefined && !socket.destroyed) socket.write(`${reply}\n`, "latin1");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const fake: Fake = {
    port,
    lines,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.push(fake);
  return fake;
}

async function connect(fake: Fake, timeoutMs?: number): Promise<AgentClient> {
  const { agent } = await AgentClient.connect(new HostNetwork(), { host: "127.0.0.1", port: fake.port, ...(timeoutMs ? { timeoutMs } : {}) });
  return agent;
}

const SERVER = { host: "host6", port: 2121, user: "dev user", password: "p%w,=d", mode: "active" } as const;

describe("AgentClient", () => {
  it("checks HELLO on connect and parses every field", async () => {
    const fake = await fakeAgent(() => undefined);
    const { agent, hello } = await AgentClient.connect(new HostNetwork(), { host: "127.0.0.1", port: fake.port });
    try {
      expect(hello).toMatchObject({
        board: "native-sim",
        version: "0.1 beta",
        agent: 1,
        mtu: 1500,
        pool: { count: 16, payloadSize: 1500 },
        mss: 1460,
        window: 5840,
        fs: 262144,
        free: 261120,
        files: 64,
        ftpPort: 21,
        sessions: 4,
        ipv6: true,
        image: "loaded",
        readOnly: false,
        uptimeMs: 1234,
      });
      expect(hello.fields.pool).toBe("16x1500");
      expect(fake.lines).toEqual(["HELLO"]);
    } finally {
      agent.close();
    }
  });

  it("refuses an agent that speaks another protocol version, and closes the connection", async () => {
    const server = net.createServer((s) => {
      s.on("error", () => undefined);
      s.once("data", () => s.write(HELLO.replace("agent=1", "agent=2") + "\n"));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const closed = new Promise<void>((r) => server.once("connection", (s) => s.once("close", () => r())));
    try {
      const err = await AgentClient.connect(new HostNetwork(), { host: "127.0.0.1", port: (server.address() as net.AddressInfo).port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AgentConnectionError);
      expect((err as Error).message).toMatch(/protocol 2/);
      await closed;
    } finally {
      server.close();
    }
  });

  it("sends GET/PUT/LS with escaped arguments and parses the results", async () => {
    const fake = await fakeAgent((line) => {
      if (line.startsWith("GET ")) return `OK bytes=100 sha256=${SHA} port=49153`;
      if (line.startsWith("PUT ")) return `OK bytes=0 sha256=${SHA} port=20`;
      if (line.startsWith("LS ")) return `OK count=3 bytes=30 sha256=${SHA} names=a.bin,with%20space,comma%2Cname truncated=1`;
      return "ERR 400 unknown command";
    });
    const agent = await connect(fake);
    try {
      expect(await agent.get({ ...SERVER, remote: "dir/a b.bin", local: "/x%y.bin" })).toEqual({ bytes: 100, sha256: SHA, port: 49153 });
      expect(await agent.put({ ...SERVER, mode: "passive", remote: "up.bin", local: "/up.bin" })).toEqual({ bytes: 0, sha256: SHA, port: 20 });
      expect(await agent.ls(SERVER, "/pub")).toEqual({ count: 3, bytes: 30, sha256: SHA, names: ["a.bin", "with space", "comma,name"], truncated: true });
      expect(fake.lines.slice(1)).toEqual([
        "GET host6 2121 dev%20user p%25w%2C%3Dd active dir/a%20b.bin /x%25y.bin",
        "PUT host6 2121 dev%20user p%25w%2C%3Dd passive up.bin /up.bin",
        "LS host6 2121 dev%20user p%25w%2C%3Dd active /pub",
      ]);
    } finally {
      agent.close();
    }
  });

  it("parses FILES (files, directories, escaped names), HASH, MKFILE and COUNTERS", async () => {
    const fake = await fakeAgent((line) => {
      if (line === "FILES") return "OK count=3 free=1024 /a.bin=28 /d/=dir /d/x%3Dy%20z=0";
      if (line === "HASH /a.bin") return `OK bytes=28 sha256=${SHA}`;
      if (line === "MKFILE /m.bin 4096 7") return `OK bytes=4096 sha256=${SHA}`;
      if (line === "COUNTERS") return "OK rx_frames=10 pool_low_water=5 ftp_sessions=0 agent_requests=4";
      return "ERR 400 unknown command";
    });
    const agent = await connect(fake);
    try {
      expect(await agent.files()).toEqual({
        count: 3,
        free: 1024,
        truncated: false,
        entries: [
          { path: "/a.bin", kind: "file", size: 28 },
          { path: "/d", kind: "dir" },
          { path: "/d/x=y z", kind: "file", size: 0 },
        ],
      });
      expect(await agent.hash("/a.bin")).toEqual({ bytes: 28, sha256: SHA });
      expect(await agent.mkfile("/m.bin", 4096, 7)).toEqual({ bytes: 4096, sha256: SHA });
      expect(await agent.counters()).toEqual({ rx_frames: 10, pool_low_water: 5, ftp_sessions: 0, agent_requests: 4 });
      await expect(agent.mkfile("/m.bin", -1, 0)).rejects.toThrow(RangeError);
    } finally {
      agent.close();
    }
  });

  it("turns ERR into AgentError with code, text and request, and stays usable", async () => {
    const fake = await fakeAgent((line) => (line.startsWith("RM ") ? "ERR 404 not found" : line === "REBOOT" ? "OK rebooting" : "OK"));
    const agent = await connect(fake);
    try {
      const err = await agent.rm("/missing").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AgentError);
      expect(err).toMatchObject({ code: 404, text: "not found", request: "RM /missing" });
      await agent.mkdir("/d");
      await agent.format();
      await agent.readOnly(true);
      await agent.resetCounters();
      await agent.reboot();
      expect(fake.lines.slice(1)).toEqual(["RM /missing", "MKDIR /d", "FORMAT", "READONLY 1", "RESET-COUNTERS", "REBOOT"]);
      expect(agent.connected).toBe(true);
    } finally {
      agent.close();
    }
  });

  it("sends one request at a time: the next line goes out only after the previous reply", async () => {
    let release: () => void = () => undefined;
    const fake = await fakeAgent((line, socket) => {
      if (line === "HASH /slow") {
        void new Promise<void>((r) => (release = r)).then(() => socket.write(`OK bytes=1 sha256=${SHA}\n`));
        return undefined;
      }
      return `OK bytes=2 sha256=${SHA}`;
    });
    const agent = await connect(fake);
    try {
      const first = agent.hash("/slow");
      const second = agent.hash("/fast");
      // A round trip on a second connection proves the fake had time to see a pipelined line.
      const probe = await connect(fake);
      probe.close();
      expect(fake.lines.filter((l) => l.startsWith("HASH"))).toEqual(["HASH /slow"]);
      release();
      expect((await first).bytes).toBe(1);
      expect((await second).bytes).toBe(2);
      expect(fake.lines.filter((l) => l.startsWith("HASH"))).toEqual(["HASH /slow", "HASH /fast"]);
    } finally {
      agent.close();
    }
  });

  it("closes the connection when a reply does not come in time; later requests fail at once", async () => {
    const fake = await fakeAgent(() => undefined);
    const agent = await connect(fake, 200);
    const err = await agent.files().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentConnectionError);
    expect((err as Error).message).toMatch(/no reply to FILES within 200 ms/);
    expect(agent.connected).toBe(false);
    await expect(agent.counters()).rejects.toBeInstanceOf(AgentConnectionError);
  });

  it("fails pending requests when the board closes the connection", async () => {
    const fake = await fakeAgent((_line, socket) => {
      socket.end();
      return undefined;
    });
    const agent = await connect(fake);
    await expect(agent.files()).rejects.toThrow(/closed/);
    expect(agent.connected).toBe(false);
  });

  it("calls a reply that is neither OK nor ERR a broken connection", async () => {
    const fake = await fakeAgent(() => "220 Connection Ready");
    const agent = await connect(fake);
    await expect(agent.files()).rejects.toThrow(/not OK or ERR/);
    expect(agent.connected).toBe(false);
  });

  it("refuses requests it cannot send as one line", async () => {
    const fake = await fakeAgent(() => "OK");
    const agent = await connect(fake);
    try {
      await expect(agent.request("HASH /a\nRM /b")).rejects.toThrow(TypeError);
      await expect(agent.request(`HASH /${"x".repeat(600)}`)).rejects.toThrow(/longer than 599/);
      await expect(agent.hash("")).rejects.toThrow(/empty argument/);
      expect(fake.lines).toEqual(["HELLO"]);
    } finally {
      agent.close();
    }
  });
});

describe("agentEscape / agentUnescape", () => {
  it("escapes what the agent escapes and round-trips UTF-8", () => {
    expect(agentEscape("a b%c,d=e\tf")).toBe("a%20b%25c%2Cd%3De%09f");
    expect(agentEscape("é")).toBe("%C3%A9");
    for (const s of ["plain", "sp ace", "100%", "ü/ñ", "x=y,z"]) expect(agentUnescape(agentEscape(s))).toBe(s);
    expect(() => agentEscape("a\0b")).toThrow(TypeError);
  });

  it("rejects bad escapes", () => {
    expect(agentUnescape("%4")).toBeUndefined();
    expect(agentUnescape("%zz")).toBeUndefined();
    expect(agentUnescape("%41%62")).toBe("Ab");
  });
});
