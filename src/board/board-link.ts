// What the board-starting link kinds (sim, qemu) take besides a spec: the profile they start, where
// the board keeps its state, and how long it may take to answer ping. Shared by src/link/open.ts
// (which passes them through) and the launchers in this directory.
import { homedir } from "node:os";
import { join } from "node:path";
import type { BoardProfile } from "./profile.js";

export interface BoardLinkOptions {
  /**
   * The board to start: its sim/qemu section, firmware sizes and addresses. Without it, sim starts
   * boards/native-sim.json and qemu boards/qemu-netduinoplus2.json.
   */
  readonly board?: BoardProfile;
  /** Where boards keep their state between host sessions (see stateDirectory()). */
  readonly stateDir?: string;
  /** The QEMU executable (default: $HILFTP_QEMU, the profile's qemu.binary, qemu-system-arm on PATH). */
  readonly qemuBinary?: string;
  /** How long to wait for the started board to answer ping (default: the profile's readyTimeoutMs). */
  readonly readyTimeoutMs?: number;
  /** One-line progress notes ("built firmware-shim/... (make native, 2.1 s)") for a CLI to show. */
  readonly onProgress?: (line: string) => void;
}

/** The profile each board-starting kind starts when no --board is given. */
export const DEFAULT_BOARD_FOR = { sim: "native-sim", qemu: "qemu-netduinoplus2" } as const;

/** Default readiness deadlines: the native target answers in milliseconds, QEMU needs to boot. */
export const DEFAULT_READY_MS = { sim: 10_000, qemu: 30_000 } as const;

/**
 * Where a board keeps its state (the native target's fs image, `<board>.fs`): `dir` if given, else
 * $HILFTP_STATE_DIR, else $XDG_STATE_HOME/hilftp, else ~/.local/state/hilftp.
 */
export function stateDirectory(dir?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (dir !== undefined && dir !== "") return dir;
  if (env.HILFTP_STATE_DIR) return env.HILFTP_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, "hilftp");
  return join(homedir(), ".local", "state", "hilftp");
}
