// The hil suite on the board HIL_BOARD names (default native-sim), over HIL_LINK when set
// (e.g. HIL_LINK=serial:/dev/ttyACM0@115200 for a real board).
import { profileSync } from "./support.js";
import { hilSuite, NATIVE_SIZES, QEMU_SIZES } from "./suite.js";

const board = process.env.HIL_BOARD?.trim() || "native-sim";
// Boards with a slow UART path into the MCU get the small budget.
const sizes = profileSync(board).mtu < 1280 ? QEMU_SIZES : NATIVE_SIZES;
hilSuite({ board, sizes, ...(process.env.HIL_LINK?.trim() ? { link: process.env.HIL_LINK.trim() } : {}) });
