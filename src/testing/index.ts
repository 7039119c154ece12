// hilftp/testing: the test fixture for users' own hil-tests (openBoard, useBoard) and the agent client it hands out.
export { DEFAULT_BOARD, openBoard, type Board, type BoardAddresses, type BoardCloseResult, type BoardCounters, type BoardFtpOptions, type OpenBoardOptions } from "./board.js";
export { useBoard, type UseBoardOptions } from "./use-board.js";
export { startNativeTarget, type NativeTarget, type NativeTargetOptions } from "./native-target.js";
export * from "../board/agent-client.js";
