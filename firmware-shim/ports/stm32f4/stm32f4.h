/* stm32f4.h - the few STM32F405 / Cortex-M4 registers this port touches (from the reference manual
 * RM0090 and the ARMv7-M architecture manual), and the handlers the vector table names. */
#ifndef HILFTP_STM32F4_H
#define HILFTP_STM32F4_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- Cortex-M4 system control space ---- */
#define SYST_CSR REG32(0xE000E010u) /* SysTick control and status */
#define SYST_RVR REG32(0xE000E014u) /* reload value */
#define SYST_CVR REG32(0xE000E018u) /* current value */
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* 1 = processor clock */
#define SYST_MAX_CYCLES 0x1000000u   /* 24-bit reload register: longest period */

#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n)) /* interrupt set-enable */
#define NVIC_ICER(n) REG32(0xE000E180u + 4u * (n)) /* interrupt clear-enable */

#define SCB_ICSR REG32(0xE000ED04u)
#define SCB_ICSR_PENDSTSET (1u << 26) /* SysTick exception pending */
#define SCB_ICSR_PENDSTCLR (1u << 25)

#define SCB_AIRCR REG32(0xE000ED0Cu)
#define SCB_AIRCR_VECTKEY (0x05FAu << 16)
#define SCB_AIRCR_SYSRESETREQ (1u << 2)

/* ---- RCC (not modelled by QEMU: writes ignored, reads 0; never wait on its flags) ---- */
#define RCC_AHB1ENR REG32(0x40023830u)
#define RCC_APB2ENR REG32(0x40023844u)
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_APB2ENR_USART1EN (1u << 4)

/* ---- GPIOA (USART1 TX = PA9, RX = PA10, alternate function 7 on a real board) ---- */
#define GPIOA_MODER REG32(0x40020000u)
#define GPIOA_AFRH REG32(0x40020024u)

/* ---- USART1 (APB2), NVIC IRQ 37 ---- */
#define USART1_BASE 0x40011000u
#define USART1_SR REG32(USART1_BASE + 0x00u)
#define USART1_DR REG32(USART1_BASE + 0x04u)
#define USART1_BRR REG32(USART1_BASE + 0x08u)
#define USART1_CR1 REG32(USART1_BASE + 0x0Cu)
#define USART1_CR2 REG32(USART1_BASE + 0x10u)
#define USART1_CR3 REG32(USART1_BASE + 0x14u)
#define USART_SR_ORE (1u << 3)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_UE (1u << 13)
#define USART1_IRQn 37

/* Core clock. QEMU's netduinoplus2 runs the CPU (and SysTick's processor clock) at 168 MHz whatever RCC
 * says. A real board leaves reset on the 16 MHz HSI: build with -DSYSCLK_HZ=16000000 (and APB2 = SYSCLK)
 * or add a PLL setup. */
#ifndef SYSCLK_HZ
#define SYSCLK_HZ 168000000u
#endif
#ifndef UART_BAUD
#define UART_BAUD 115200u
#endif

static inline void irq_disable(void) { __asm volatile("cpsid i" ::: "memory"); }
static inline void irq_enable(void) { __asm volatile("cpsie i" ::: "memory"); }
static inline void wait_for_interrupt(void) { __asm volatile("wfi" ::: "memory"); }
static inline void dsb(void) { __asm volatile("dsb 0xF" ::: "memory"); }

void SysTick_Handler(void);
void USART1_IRQHandler(void);

#endif
