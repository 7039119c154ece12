// What a session needs from its server: settings, the dialect's texts, the network, passive
// ports, authentication, events, and a way to say it has ended. Keeps Session free of FtpServer.
import type { Network } from "../../network.js";
import type { FileSystem } from "../fs/types.js";
import type { Texts } from "./dialect.js";
import type { ServerEvents } from "./events.js";
import type { LoginRequest } from "./options.js";
import type { PassivePorts } from "./passive-ports.js";
import type { Session } from "./session.js";

export interface ResolvedOptions {
  readonly maxSessions: number;
  readonly idleTimeoutMs: number;
  readonly dataTimeoutMs: number;
  readonly maxLineLength: number;
  readonly loginFailDelayMs: number;
  readonly maxLoginFailures: number;
  readonly pasvAddress: string | undefined;
}

export interface Grant {
  readonly fs: FileSystem;
  readonly readOnly: boolean;
}

export interface ServerContext {
  readonly options: ResolvedOptions;
  readonly texts: Texts;
  readonly network: Network;
  readonly ports: PassivePorts;
  authenticate(request: LoginRequest): Promise<Grant | null>;
  emit<E extends keyof ServerEvents>(event: E, payload: ServerEvents[E]): boolean;
  sessionClosed(session: Session): void;
}
