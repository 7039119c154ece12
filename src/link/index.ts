// src/link: byte links to a board, SLIP framing, and the decorators (shaper, faults, pcap tap).
export { LinkError, type LinkErrorCode } from "./errors.js";
export { DEFAULT_BAUD, LINK_KINDS, formatLinkSpec, parseLinkSpec, type LinkKind, type LinkSpec, type SerialSpec, type TcpSpec, type UnixSpec } from "./spec.js";
export { emptyStats, type ByteLink, type FrameLink, type FrameLinkEvents, type LinkStats } from "./frame-link.js";
export { openFrameLink, openLink, type OpenLinkOptions } from "./open.js";
export { linkPair, type LinkPairOptions } from "./pair.js";
export { frameLinkPair, type FrameLinkPairOptions } from "./memory-link.js";
export { END, ESC, ESC_END, ESC_ESC, SlipDecoder, encodeSlip, encodeSlipInto, escapeSlipInto, slipEncodedBound, slipEncodedLength } from "./slip-codec.js";
export { DEFAULT_MAX_FRAME, SlipFraming, type SlipFramingOptions } from "./slip-framing.js";
export { FrameLinkDecorator } from "./decorator.js";
export { shape, type ShapeOptions } from "./shape.js";
export { faults, type FaultOptions, type TimedFault } from "./faults.js";
export { pcapTap, type PcapTapOptions } from "./pcap-tap.js";
export { DEFAULT_SNAPLEN, LINKTYPE_RAW, pcapGlobalHeader, pcapRecord, readPcap, type PcapFile, type PcapReadResult, type PcapRecord } from "./pcap-format.js";
export { systemClock, type Clock, type Timer } from "./clock.js";
export { ManualClock } from "./manual-clock.js";
export { mulberry32, type Random } from "./prng.js";
export { ProcessLink, type ProcessLinkOptions } from "./process-link.js";
export { goodput, lineCount, UART_BITS_PER_BYTE, type Direction, type Goodput, type LineCount } from "./line-limit.js";
