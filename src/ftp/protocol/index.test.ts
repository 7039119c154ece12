import { describe, expect, it } from "vitest";
import * as protocol from "./index.js";

describe("protocol index", () => {
  it("re-exports every codec", () => {
    const names = [
      "formatReply",
      "ReplyParser",
      "ReplyFormatError",
      "isPreliminary",
      "isCompletion",
      "isIntermediate",
      "isTransientNegative",
      "isPermanentNegative",
      "parseCommand",
      "formatCommand",
      "LineReader",
      "formatPortArg",
      "parsePortArg",
      "formatPasvText",
      "parsePasvText",
      "formatEprtArg",
      "parseEprtArg",
      "formatEpsvText",
      "parseEpsvText",
      "formatListLine",
      "formatMlsxLine",
      "MLST_FACTS",
      "parseListLine",
      "parseListing",
      "parseMlsxLine",
      "parseMlsd",
      "formatMdtm",
      "parseMdtm",
    ];
    for (const name of names) expect(protocol, name).toHaveProperty(name);
  });

  it("lets a server reply and a client parse it end to end", () => {
    const parser = new protocol.ReplyParser();
    const wire = protocol.formatReply(227, protocol.formatPasvText({ host: "127.0.0.1", port: 50000 }), "netx");
    const [reply] = parser.push(Buffer.from(wire));
    expect(reply?.code).toBe(227);
    expect(protocol.parsePasvText(reply?.text ?? "")).toEqual({ host: "127.0.0.1", port: 50000 });
  });
});
