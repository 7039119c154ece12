// What a closed port answers (RFC 9293 3.10.7.1): a RST whose numbers the sender
// will accept, and nothing at all in reply to a RST.
import { TCP_FLAGS, tcpSegmentLength, type TcpSegment } from "../wire/tcp.js";
import { seqAdd } from "../wire/seq.js";
import type { OutSegment } from "./types.js";

const EMPTY = Buffer.alloc(0);

export function listenerResponse(seg: TcpSegment): OutSegment | undefined {
  if (seg.flags & TCP_FLAGS.RST) return undefined;
  if (seg.flags & TCP_FLAGS.ACK) {
    // <SEQ=SEG.ACK><CTL=RST>
    return { seq: seg.ack >>> 0, ack: 0, flags: TCP_FLAGS.RST, window: 0, options: {}, payload: EMPTY };
  }
  // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
  return {
    seq: 0,
    ack: seqAdd(seg.seq, tcpSegmentLength(seg)),
    flags: TCP_FLAGS.RST | TCP_FLAGS.ACK,
    window: 0,
    options: {},
    payload: EMPTY,
  };
}
