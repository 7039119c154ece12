// The real-board path without a real board: the native target behind a pseudo-terminal, attached
// with a serial: link, so serialport opens a real tty and the whole suite runs through it.
import { hilSuite, NATIVE_SIZES } from "./suite.js";

hilSuite({ board: "native-sim", serialPty: true, sizes: NATIVE_SIZES, title: "serial over a pty" });
