// The typed shape of a board profile (boards/*.json). schema.ts says the same in JSON Schema; a test keeps
// the field names of the two in step. Field meanings are documented once, in the schema's descriptions.

export type FtpDialect = "rfc" | "netx";

export interface LinkDefaults {
  readonly spec: string;
  readonly baud: number;
}

export interface PacketPool {
  readonly payloadSize: number;
  readonly count: number;
}

export interface RetransmitTiming {
  readonly initialMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export interface TcpSettings {
  readonly mss: number;
  readonly window: number;
  readonly segmentsInFlight: number;
  readonly rto?: RetransmitTiming;
  readonly delayedAckMs?: number;
  readonly nagle?: boolean;
}

export interface Addresses {
  readonly hostIpv4: string;
  readonly boardIpv4: string;
  readonly hostIpv6?: string;
  readonly boardIpv6?: string;
  readonly prefixLength?: number;
}

export interface FtpSettings {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dialect: FtpDialect;
  readonly oneMessagePerSegment: boolean;
}

/** A make target of firmware-shim/Makefile that builds a board's firmware from its profile. */
export type FirmwareBuild = "native" | "stm32";

/** What the qemu link kind runs: qemu-system-arm -M machine -kernel firmware. */
export interface QemuSettings {
  readonly machine: string;
  readonly firmware: string;
  readonly build?: FirmwareBuild;
  readonly binary?: string;
  readonly readyTimeoutMs?: number;
}

/** What the sim link kind runs: the native target as a child process, SLIP on its stdio. */
export interface SimSettings {
  readonly firmware: string;
  readonly build?: FirmwareBuild;
  readonly readyTimeoutMs?: number;
}

/** Build-time sizes of firmware-shim (tools/profile-config.mjs turns them into board_config.h). */
export interface FirmwareSettings {
  readonly ramfsSize?: number;
  readonly ramfsMaxFiles?: number;
  readonly agentPort?: number;
  readonly ftpMaxSessions?: number;
  readonly ftpIdleTimeoutMs?: number;
  readonly tcpMaxSockets?: number;
  readonly tcpMaxRetries?: number;
  readonly timeWaitMs?: number;
}

export interface BoardProfile {
  readonly $schema?: string;
  readonly name: string;
  readonly description: string;
  readonly link: LinkDefaults;
  readonly mtu: number;
  readonly pool: PacketPool;
  readonly tcp: TcpSettings;
  readonly addresses: Addresses;
  readonly ftp: FtpSettings;
  readonly qemu?: QemuSettings;
  readonly sim?: SimSettings;
  readonly firmware?: FirmwareSettings;
}

/** IPv6 prefix length when a profile gives IPv6 addresses but no prefixLength. */
export const DEFAULT_IPV6_PREFIX_LENGTH = 64;
