// useBoard(): the vitest side of the fixture. Opens the board once per describe block (beforeAll),
// closes it after (afterAll), marks it failed when one of its tests fails so the pcap of that run is
// kept, and prints where it is, the way pytest-embedded keeps a failed dut's logs.
import { afterAll, beforeAll, beforeEach } from "vitest";
import { openBoard, type Board, type OpenBoardOptions } from "./board.js";

export interface UseBoardOptions extends OpenBoardOptions {
  /** Limit for opening (building, starting, first ping) and for closing, ms (default 120 000). */
  readonly hookTimeoutMs?: number;
}

/** Call inside a describe (or at file level); the returned function gives the open board inside tests. */
export function useBoard(options: UseBoardOptions = {}): () => Board {
  let board: Board | undefined;
  const hookTimeout = options.hookTimeoutMs ?? 120_000;
  beforeAll(async () => {
    // Capture always: the pcap costs little and is what a failed run needs (HIL_PCAP=FILE keeps it anyway).
    const pcap = options.pcap ?? (process.env.HIL_PCAP?.trim() || "on-failure");
    board = await openBoard({ ...options, pcap });
  }, hookTimeout);
  beforeEach((context) => {
    context.onTestFailed(() => board?.markFailed(context.task.name));
  });
  afterAll(async () => {
    const b = board;
    board = undefined;
    if (!b) return;
    const result = await b.close();
    if (result.failures.length > 0 && result.pcap !== undefined) {
      const log = result.targetLog !== undefined ? `, target log ${result.targetLog}` : "";
      console.error(`hil ${b.profile.name}: ${result.failures.length} test(s) failed; pcap kept: ${result.pcap}${log}`);
    }
  }, hookTimeout);
  return () => {
    if (!board) throw new Error("useBoard(): no open board here (its beforeAll failed, or this runs outside its describe)");
    return board;
  };
}
