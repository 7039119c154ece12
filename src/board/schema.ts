// The board-profile JSON Schema (draft 2020-12) as a TS constant, so `tsc` ships it with the package and
// the validator (validate.ts) is driven by it. boards/profile.schema.json is the same object written out
// for editors; a test keeps the two equal.

/** The subset of JSON Schema the validator understands; validate.ts refuses any other keyword. */
export interface SchemaNode {
  readonly type?: "object" | "string" | "integer" | "boolean";
  /** Short noun phrase naming what a patterned string must be; error messages use it. */
  readonly title?: string;
  readonly description?: string;
  readonly properties?: { readonly [name: string]: SchemaNode };
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly format?: "ipv4" | "ipv6";
}

export interface RootSchema extends SchemaNode {
  readonly $schema: string;
  readonly $id: string;
}

const ms = (what: string): SchemaNode => ({ type: "integer", minimum: 1, maximum: 600000, description: what });

const BUILD = {
  type: "string",
  enum: ["native", "stm32"],
  description:
    "make target of firmware-shim/Makefile that builds `firmware` from this profile when it is missing or stale " +
    "(absent: the image is prebuilt and never built).",
} as const satisfies SchemaNode;

const READY = {
  type: "integer",
  minimum: 100,
  maximum: 600000,
  description: "How long the link waits, after starting the board, for it to answer ping (default: sim 10 s, qemu 30 s).",
} as const satisfies SchemaNode;

export const PROFILE_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "urn:hilftp:board-profile",
  title: "hilftp board profile",
  description:
    "What a board's TCP/IP stack can take (MTU, MSS, window, packet pool), how to reach it and how to log in. " +
    "The host's own stack sizes itself from this so it behaves as a device-class peer.",
  type: "object",
  required: ["name", "description", "link", "mtu", "pool", "tcp", "addresses", "ftp"],
  additionalProperties: false,
  properties: {
    $schema: { type: "string", description: "Path or URL of this schema, for editors." },
    name: {
      type: "string",
      title: "a lower-case name of letters, digits and single dashes",
      pattern: "^[a-z0-9]+(-[a-z0-9]+)*$",
      maxLength: 64,
      description: "The profile's name; for boards/NAME.json it is NAME, as given to --board.",
    },
    description: { type: "string", minLength: 1, description: "What the board is, where each number comes from." },
    link: {
      type: "object",
      description: "How to reach the board when no --link is given.",
      required: ["spec", "baud"],
      additionalProperties: false,
      properties: {
        spec: {
          type: "string",
          title: "a link spec such as serial:/dev/ttyACM0@115200, tcp:127.0.0.1:5555, unix:PATH, sim[:PATH] or qemu[:PATH]",
          pattern: "^(?:(?:serial|tcp|tcp-listen|unix|unix-listen):.+|(?:sim|qemu)(?::.+)?)$",
          description: "Default link spec (--link overrides it).",
        },
        baud: {
          type: "integer",
          minimum: 300,
          maximum: 12000000,
          description: "UART bit rate; the shaper emulates it (10 bits per byte) on links that do not throttle.",
        },
      },
    },
    mtu: {
      type: "integer",
      minimum: 68,
      maximum: 65535,
      description: "Largest IP datagram on the link, in bytes (RFC 791: at least 68). --mtu overrides it.",
    },
    pool: {
      type: "object",
      description: "The board's packet pool: what one received datagram occupies.",
      required: ["payloadSize", "count"],
      additionalProperties: false,
      properties: {
        payloadSize: {
          type: "integer",
          minimum: 68,
          maximum: 65535,
          description:
            "Bytes of one pool buffer that hold an IP datagram (the buffer size less any room the driver keeps " +
            "for link headers). The host never sends a segment that needs more.",
        },
        count: { type: "integer", minimum: 1, maximum: 65535, description: "Buffers in the pool." },
      },
    },
    tcp: {
      type: "object",
      description: "The board's TCP settings.",
      required: ["mss", "window", "segmentsInFlight"],
      additionalProperties: false,
      properties: {
        mss: { type: "integer", minimum: 64, maximum: 65535, description: "MSS the board's stack is built for." },
        window: {
          type: "integer",
          minimum: 1,
          maximum: 65535,
          description: "Receive window the board advertises (no window scaling on device-class stacks).",
        },
        segmentsInFlight: {
          type: "integer",
          minimum: 1,
          maximum: 65535,
          description: "Most unacknowledged segments the board's stack queues per connection.",
        },
        rto: {
          type: "object",
          description: "Retransmission timing, when the board uses fixed timers instead of RFC 6298 estimation.",
          required: ["initialMs", "minMs", "maxMs"],
          additionalProperties: false,
          properties: {
            initialMs: ms("First retransmission timeout."),
            minMs: ms("Smallest retransmission timeout."),
            maxMs: ms("Largest retransmission timeout (after backoff)."),
          },
        },
        delayedAckMs: {
          type: "integer",
          minimum: 0,
          maximum: 500,
          description: "Delayed-ACK timer (RFC 1122: under 500 ms); 0 acknowledges every segment at once.",
        },
        nagle: { type: "boolean", description: "Whether the board's stack runs Nagle's algorithm." },
      },
    },
    addresses: {
      type: "object",
      description: "Tunnel addresses; --local-ip/--peer-ip (and the -ip6 forms) override them.",
      required: ["hostIpv4", "boardIpv4"],
      additionalProperties: false,
      properties: {
        hostIpv4: { type: "string", format: "ipv4", description: "The host's end of the link." },
        boardIpv4: { type: "string", format: "ipv4", description: "The board's end of the link." },
        hostIpv6: { type: "string", format: "ipv6", description: "The host's IPv6 address (with boardIpv6)." },
        boardIpv6: { type: "string", format: "ipv6", description: "The board's IPv6 address (with hostIpv6)." },
        prefixLength: {
          type: "integer",
          minimum: 1,
          maximum: 128,
          description: "Prefix length of the IPv6 addresses (default 64); IPv4 is point-to-point.",
        },
      },
    },
    ftp: {
      type: "object",
      description: "The board's FTP server (and what its FTP client expects of ours).",
      required: ["port", "user", "password", "dialect", "oneMessagePerSegment"],
      additionalProperties: false,
      properties: {
        port: { type: "integer", minimum: 1, maximum: 65535, description: "Control port of the board's server." },
        user: { type: "string", minLength: 1, maxLength: 255, description: "Login name." },
        password: { type: "string", maxLength: 255, description: "Password." },
        dialect: {
          type: "string",
          enum: ["rfc", "netx"],
          description: "Reply texts and quirks: RFC 959 or the NetX Duo FTP server's.",
        },
        oneMessagePerSegment: {
          type: "boolean",
          description: "Send each FTP command or reply in a segment of its own (NetX reads one per packet).",
        },
      },
    },
    qemu: {
      type: "object",
      description: "What the qemu link kind launches: qemu-system-arm with this machine and firmware, its USART on a socket.",
      required: ["machine", "firmware"],
      additionalProperties: false,
      properties: {
        machine: { type: "string", minLength: 1, description: "qemu-system-arm -machine value (netduinoplus2)." },
        firmware: { type: "string", minLength: 1, description: "Firmware image (-kernel), relative to the package root." },
        build: BUILD,
        binary: {
          type: "string",
          minLength: 1,
          description: "QEMU executable (default qemu-system-arm on PATH; HILFTP_QEMU overrides).",
        },
        readyTimeoutMs: READY,
      },
    },
    sim: {
      type: "object",
      description: "What the sim link kind runs: the native target as a child process, SLIP on its stdin/stdout.",
      required: ["firmware"],
      additionalProperties: false,
      properties: {
        firmware: { type: "string", minLength: 1, description: "Executable, relative to the package root." },
        build: BUILD,
        readyTimeoutMs: READY,
      },
    },
    firmware: {
      type: "object",
      description:
        "Build-time sizes of firmware-shim that have no field above (tools/profile-config.mjs writes them into " +
        "board_config.h; core/config.h has the defaults).",
      additionalProperties: false,
      properties: {
        ramfsSize: { type: "integer", minimum: 1024, maximum: 2147483647, description: "Bytes of file data in the RAM file system." },
        ramfsMaxFiles: { type: "integer", minimum: 1, maximum: 65535, description: "Files and directories the RAM file system holds." },
        agentPort: { type: "integer", minimum: 1, maximum: 65535, description: "TCP port of the test agent." },
        ftpMaxSessions: { type: "integer", minimum: 1, maximum: 64, description: "FTP sessions at once (NetX: 4)." },
        ftpIdleTimeoutMs: {
          type: "integer",
          minimum: 1000,
          maximum: 2147483647,
          description: "An idle FTP session is dropped after this long.",
        },
        tcpMaxSockets: { type: "integer", minimum: 2, maximum: 255, description: "TCP sockets (listeners and connections)." },
        tcpMaxRetries: { type: "integer", minimum: 1, maximum: 255, description: "Retransmissions before a connection is reset." },
        timeWaitMs: { type: "integer", minimum: 0, maximum: 600000, description: "How long TIME-WAIT lasts." },
      },
    },
  },
} as const satisfies RootSchema;
