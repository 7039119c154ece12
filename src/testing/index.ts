// The test fixture for users' own hil-tests (to be exported as `hilftp/testing`).
export { DEFAULT_BOARD, openBoard, type Board, type BoardAddresses, type BoardCloseResult, type BoardCounters, type BoardFtpOptions, type OpenBoardOptions } from "./board.js";
export { useBoard, type UseBoardOptions } from "./use-board.js";
export { startNativeTarget, type NativeTarget, type NativeTargetOptions } from "./native-target.js";
export {
  AGENT_PORT,
  AgentClient,
  AgentConnectionError,
  AgentError,
  type AgentDigest,
  type AgentFileEntry,
  type AgentFiles,
  type AgentHello,
  type AgentListing,
  type AgentServer,
  type AgentTransferRequest,
  type AgentTransferResult,
  type TransferMode,
} from "../board/agent-client.js";
