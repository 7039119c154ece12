// The suite on the emulated STM32F405 (QEMU netduinoplus2) through the `qemu` link, which builds
// the image if needed, starts qemu-system-arm with the profile's machine, and waits for ping.
// Small sizes: QEMU's USART model moves about 20 KB/s into the MCU.
import { hilSuite, QEMU_SIZES } from "./suite.js";

hilSuite({ board: "qemu-netduinoplus2", sizes: QEMU_SIZES });
