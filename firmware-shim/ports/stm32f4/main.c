/* ports/stm32f4/main.c - the firmware-shim core on bare-metal STM32F405: the qemu-netduinoplus2 board.
 *
 * SLIP on USART1 (0x40011000, IRQ 37; PA9/PA10 on a real board), 8N1, UART_BAUD. Received bytes go from
 * the RXNE interrupt into a ring buffer; the main loop hands them to board_input() and runs board_poll()
 * when a SLIP frame ended or a timer is due, and sleeps in `wfi` otherwise (tickless: see the clock
 * below). The core is never called from an interrupt. Output is polled (TXE), byte by byte.
 *
 * When the ring is full the interrupt stops reading (RXNEIE off) until the main loop has drained it: under
 * QEMU, whose USART holds the next byte back until DR is read, that loses nothing; on a real UART it
 * would overrun instead, which needs a host that respects the profile's window (it does).
 *
 * The RAM fs image lives in .noinit: neither the startup code nor QEMU's system reset touch it, so the
 * files survive the agent's REBOOT (SYSRESETREQ) as they would in flash, not a power cycle: a new
 * qemu-system-arm process starts with an empty fs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "config.h"
#include "port.h"
#include "stm32f4.h"

#define SLIP_END 0xC0u

/* ------------------------------------------------------------------ clock: SysTick, 1 ms, tickless idle */

/* While the board works SysTick interrupts every millisecond and port_now_ms() is the tick count. When
 * the main loop is about to sleep for 2 ms or more, it stops SysTick, folds the cycles of the current
 * period into the clock, and arms a single period that ends on the millisecond the next timer is due
 * (at most SYST_MAX_CYCLES, ~99 ms at 168 MHz); whatever interrupt ends the `wfi` (a received byte, or
 * that period), the cycles slept are added the same way and the 1 ms tick resumes. So an idle board
 * wakes ~10 times a second instead of 1000 (QEMU's host CPU: ~10% of a core with a plain 1 ms tick).
 * No time is lost across the switches: g_frac carries the cycles past the last whole millisecond.
 * While bytes are arriving (one every ~45 us under QEMU) the plain tick is kept: re-arming SysTick
 * around every byte slowed QEMU's delivery of the next one (ping of 576-byte frames ~20% slower). */
#define CYC_PER_MS (SYSCLK_HZ / 1000u)

static volatile uint32_t g_ms; /* whole ms; the tick adds 1, the main loop (interrupts off) the rest */
static uint32_t g_frac;        /* cycles past g_ms*CYC_PER_MS at which the current SysTick period began */
static uint32_t g_last_rx_ms;  /* when the main loop last found received bytes */

void SysTick_Handler(void) { g_ms++; }

uint32_t port_now_ms(void) { return g_ms; }

static void systick_start(uint32_t cycles)
{
    SYST_RVR = cycles - 1u;
    SYST_CVR = 0; /* clears the counter: it reloads on the next clock, the period starts now */
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

/* Stops SysTick (interrupts off) and moves the time elapsed in the current period, of `period` cycles,
 * into g_ms/g_frac, including a wrap whose interrupt has not run yet. */
static void systick_stop(uint32_t period)
{
    SYST_CSR = SYST_CSR_CLKSOURCE;
    uint32_t cv = SYST_CVR;
    bool wrapped = (SCB_ICSR & SCB_ICSR_PENDSTSET) != 0;
    if (wrapped) SCB_ICSR = SCB_ICSR_PENDSTCLR;
    uint32_t elapsed = cv == 0 ? (wrapped ? period : 0u) : (wrapped ? period : 0u) + period - cv;
    uint32_t t = g_frac + elapsed;
    g_ms += t / CYC_PER_MS;
    g_frac = t % CYC_PER_MS;
}

/* Called with interrupts off, nothing received and nothing due before `next`: sleeps until an interrupt
 * (which stays pending and runs when the caller turns interrupts back on) or until `next`. */
static void idle_until(uint32_t next)
{
    int32_t want = (int32_t)(next - g_ms);
    if (want <= 0) return;
    if (want < 2 || g_ms - g_last_rx_ms < 3u) {
        wait_for_interrupt(); /* the next tick or a byte */
        return;
    }
    systick_stop(CYC_PER_MS);
    want = (int32_t)(next - g_ms);
    if (want > 0) {
        if ((uint32_t)want > SYST_MAX_CYCLES / CYC_PER_MS) want = (int32_t)(SYST_MAX_CYCLES / CYC_PER_MS);
        uint32_t period = (uint32_t)want * CYC_PER_MS - g_frac; /* ends on the millisecond `next` */
        systick_start(period);
        wait_for_interrupt();
        systick_stop(period);
    }
    systick_start(CYC_PER_MS);
}

static void systick_init(void)
{
    SYST_CSR = 0;
    g_ms = 0;
    g_frac = 0;
    systick_start(CYC_PER_MS);
}

/* ------------------------------------------------------------------ USART1 */

#ifndef RX_RING_SIZE
#define RX_RING_SIZE 2048u
#endif
#if (RX_RING_SIZE & (RX_RING_SIZE - 1u)) != 0
#error "RX_RING_SIZE must be a power of two"
#endif

static uint8_t g_rx_ring[RX_RING_SIZE];
static volatile uint32_t g_rx_head; /* written by the interrupt only */
static volatile uint32_t g_rx_tail; /* written by the main loop only */
static volatile bool g_rx_stalled;  /* the interrupt turned RXNEIE off: ring full */

void USART1_IRQHandler(void)
{
    while (USART1_SR & USART_SR_RXNE) {
        uint32_t h = g_rx_head;
        if (h - g_rx_tail >= RX_RING_SIZE) {
            /* full: leave the byte in DR, stop the interrupt, the main loop restarts it */
            USART1_CR1 &= ~USART_CR1_RXNEIE;
            g_rx_stalled = true;
            return;
        }
        g_rx_ring[h & (RX_RING_SIZE - 1u)] = (uint8_t)USART1_DR; /* SR then DR read also clears ORE */
        g_rx_head = h + 1u;
    }
}

static void uart_init(void)
{
    /* clock and pins for a real board; QEMU models neither (writes ignored) and nothing waits on RCC */
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN;
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 18)) | (0xAu << 18);  /* PA9, PA10: alternate function */
    GPIOA_AFRH = (GPIOA_AFRH & ~(0xFFu << 4)) | (0x77u << 4);     /* AF7 = USART1 */
    USART1_CR1 = 0;
    USART1_CR2 = 0;                                               /* 1 stop bit */
    USART1_CR3 = 0;                                               /* no flow control, no DMA */
    USART1_BRR = (SYSCLK_HZ + UART_BAUD / 2u) / UART_BAUD;        /* APB2 = SYSCLK after reset; QEMU ignores BRR */
    /* bytes the host sent before this line are lost (QEMU drops them): the host pings until answered */
    USART1_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    NVIC_ISER(USART1_IRQn / 32) = 1u << (USART1_IRQn % 32);
}

void port_uart_write(const uint8_t *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        while ((USART1_SR & USART_SR_TXE) == 0) {
        }
        USART1_DR = data[i];
    }
}

/* Hands what the ring holds now to the core (at most two pieces, around the wrap). Returns whether
 * bytes came, and sets *frame_end when one of them was a SLIP END: only then can the core have a new
 * frame for the applications, so only then does the main loop run board_poll() early. */
static bool rx_drain(bool *frame_end)
{
    bool any = false;
    for (int piece = 0; piece < 2; piece++) {
        uint32_t t = g_rx_tail, h = g_rx_head;
        if (h == t) break;
        uint32_t off = t & (RX_RING_SIZE - 1u);
        uint32_t n = h - t;
        if (n > RX_RING_SIZE - off) n = RX_RING_SIZE - off;
        board_input(&g_rx_ring[off], n);
        if (memchr(&g_rx_ring[off], SLIP_END, n) != NULL) *frame_end = true;
        g_rx_tail = t + n;
        any = true;
        if (g_rx_stalled) {
            irq_disable();
            g_rx_stalled = false;
            USART1_CR1 |= USART_CR1_RXNEIE;
            irq_enable();
        }
    }
    return any;
}

/* ------------------------------------------------------------------ the "flash": the RAM fs image in .noinit */

/* core/ramfs.c keeps the whole file system in one static image and hands it to port_fs_save() after
 * every completed change. A second copy of it as "flash" would not fit in 128 KiB beside a 64 KiB fs,
 * so this port builds core/ramfs.c with RAMFS_IMAGE_ATTR = section .noinit.ramfs and the linker
 * script puts that section in .noinit, which neither Reset_Handler nor QEMU's system reset clears;
 * port_fs_save() only records that the image is complete (its length, and that the record is valid),
 * port_fs_load() hands it back in place. The image is the fs's working memory, but ramfs keeps it
 * loadable at every instruction (two metadata copies, data only in blocks the committed copy does not
 * use): a reset in the middle of a change (a STOR cut by REBOOT) finds the last completed state, as
 * real flash would. */
extern uint8_t __ramfs_image_start[], __ramfs_image_end[];

#define FS_RECORD_MAGIC 0x464c5348u /* "HSLF" */

static struct {
    uint32_t magic;
    uint32_t len;
    uint32_t len_check; /* ~len */
    uint32_t saves;     /* since power-up (debugging aid) */
} g_fs_record __attribute__((section(".noinit")));

static size_t image_room(const uint8_t *image) { return (size_t)(__ramfs_image_end - image); }

size_t port_fs_load(uint8_t *image, size_t cap)
{
    if (g_fs_record.magic != FS_RECORD_MAGIC || g_fs_record.len_check != ~g_fs_record.len)
        return 0; /* power-up (RAM zero or garbage): no image */
    if (image != __ramfs_image_start || g_fs_record.len > cap || g_fs_record.len > image_room(image))
        return 0; /* not the image the record describes */
    return g_fs_record.len; /* already in place */
}

void port_fs_save(const uint8_t *image, size_t n)
{
    if (image != __ramfs_image_start || n > image_room(image)) {
        g_fs_record.magic = 0; /* an image outside .noinit cannot be persisted: a reset starts empty */
        return;
    }
    g_fs_record.len = (uint32_t)n;
    g_fs_record.len_check = ~(uint32_t)n;
    g_fs_record.saves++;
    g_fs_record.magic = FS_RECORD_MAGIC;
}

/* ------------------------------------------------------------------ reboot */

/* The agent's REBOOT, after its reply was acknowledged: a system reset (SYSRESETREQ), which QEMU models
 * as a full machine reset (CPU, NVIC, USART; the loaded image is re-written, .noinit is outside it). */
void port_reboot(void)
{
    for (uint32_t spin = 0; spin < 1000000u && (USART1_SR & USART_SR_TC) == 0; spin++) {
        /* the last byte leaves the shift register (bounded: TC may never be modelled) */
    }
    irq_disable();
    dsb();
    SCB_AIRCR = SCB_AIRCR_VECTKEY | (SCB_AIRCR & 0x700u) | SCB_AIRCR_SYSRESETREQ;
    dsb();
    for (;;) {
    }
}

/* ------------------------------------------------------------------ main loop */

int main(void)
{
    systick_init();
    board_init();
    uart_init();
    /* readiness hint: empty SLIP frames, ignored by any SLIP receiver (and lost if no host is attached:
     * the host learns the board is up by pinging it) */
    static const uint8_t ends[4] = {SLIP_END, SLIP_END, SLIP_END, SLIP_END};
    port_uart_write(ends, sizeof ends);

    uint32_t next = port_now_ms();
    for (;;) {
        bool frame_end = false;
        if (rx_drain(&frame_end)) g_last_rx_ms = g_ms;
        uint32_t now = port_now_ms();
        if (frame_end || (int32_t)(now - next) >= 0) {
            board_poll(now);
            next = board_next_timer(now);
        }
        /* sleep until an interrupt (RX byte, 1 ms tick) unless input is waiting or a timer is due;
         * with interrupts masked between the check and wfi, a pending one still ends the wfi */
        irq_disable();
        if (g_rx_head == g_rx_tail) idle_until(next);
        irq_enable();
    }
}
