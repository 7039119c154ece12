// Events an FtpServer emits, for logs and tests. Payloads are plain data.
import type { Endpoint } from "../../network.js";
import type { TransferKind } from "./dialect.js";

export interface ServerEvents {
  "session-open": { readonly id: number; readonly remote: Endpoint };
  "session-close": { readonly id: number; readonly user: string | undefined };
  login: { readonly id: number; readonly user: string; readonly remote: Endpoint };
  "login-failed": { readonly id: number; readonly user: string; readonly remote: Endpoint };
  command: { readonly id: number; readonly verb: string; readonly arg: string };
  "transfer-start": { readonly id: number; readonly kind: TransferKind; readonly path: string };
  "transfer-end": {
    readonly id: number;
    readonly kind: TransferKind;
    readonly path: string;
    readonly bytes: number;
    readonly durationMs: number;
    readonly ok: boolean;
    /** Why it did not complete: "aborted", "data", "file" or "stall". */
    readonly failure?: string;
  };
  error: { readonly id?: number; readonly error: Error };
}
