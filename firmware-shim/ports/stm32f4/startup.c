/* startup.c - vector table and reset handler of the hilftp-shim image (STM32F405, Cortex-M4).
 *
 * No C library start-up files: Reset_Handler copies .data from flash, zeroes .bss and calls main().
 * .noinit (the persisted RAM fs, see stm32f405.ld and main.c) is left as it is.
 */
#include <stdint.h>

#include "stm32f4.h"

extern uint32_t __stack_top[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];

int main(void);
void Reset_Handler(void);
void Default_Handler(void);

/* A fault or an interrupt nobody enabled: stop here with interrupts off (a debugger shows where;
 * the host sees the board stop answering ping). `wfi` keeps an emulator's host CPU idle. */
void Default_Handler(void)
{
    __asm volatile("cpsid i" ::: "memory");
    SYST_CSR = 0; /* no tick left pending, so that `wfi` really sleeps */
    for (unsigned i = 0; i < 3; i++) NVIC_ICER(i) = 0xFFFFFFFFu;
    for (;;) __asm volatile("wfi");
}

void Reset_Handler(void)
{
    /* word loops written out, not memcpy/memset: nothing else is initialised yet */
    volatile uint32_t *d = __data_start;
    const uint32_t *s = __data_load;
    while (d < __data_end) *d++ = *s++;
    for (volatile uint32_t *b = __bss_start; b < __bss_end;) *b++ = 0;
    (void)main();
    for (;;) __asm volatile("wfi");
}

#define IRQ_COUNT 82 /* STM32F405/407: IRQ 0 (WWDG) .. 81 (FPU) */

typedef void (*vector_t)(void);

/* every IRQ defaults to Default_Handler, then the ones the port uses are named (GCC range designator,
 * later designators override earlier ones on purpose) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"

__attribute__((section(".vectors"), used)) const vector_t g_vectors[16 + IRQ_COUNT] = {
    [0] = (vector_t)(uintptr_t)__stack_top, /* initial MSP */
    [1] = Reset_Handler,
    [2] = Default_Handler,  /* NMI */
    [3] = Default_Handler,  /* HardFault */
    [4] = Default_Handler,  /* MemManage */
    [5] = Default_Handler,  /* BusFault */
    [6] = Default_Handler,  /* UsageFault */
    [11] = Default_Handler, /* SVCall */
    [12] = Default_Handler, /* DebugMonitor */
    [14] = Default_Handler, /* PendSV */
    [15] = SysTick_Handler,
    [16 ... 16 + IRQ_COUNT - 1] = Default_Handler,
    [16 + USART1_IRQn] = USART1_IRQHandler,
};
#pragma GCC diagnostic pop
