/*
 * mcu_client.h - what the microcontroller boards' mains (boards/mps2-an386, boards/nrf52840) do through the
 * firmware C API (host/include/est_client.h): load the module with the board's limits, the boot path (the
 * certificate's life cycle against the server URI provisioning stored), and one command of the console.
 *
 * Deliberately not here: the console transport and the statistics line (each board's main).
 */
#ifndef EST_MCU_CLIENT_H
#define EST_MCU_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "est_client.h"

/** The board's client (static: wasm3 keeps pointers into it), and the bytes of wasm3's load-time tables
 *  given back after loading (the stats line). */
extern est_client_t mcu_client;
extern uint32_t mcu_client_released;

/** Load the module (module_source.c picks flash partition or image) with the board's limits and its wall
 *  clock; the server URI comes from the key store when provisioning wrote one. Returns 0, or the exit code
 *  3 after printing why (est-board: ...). */
int mcu_client_load(const uint8_t *module, size_t len);

/** The boot path: with a stored server URI, run `maintain` (enroll, renew when due, or nothing) and print one
 *  line "est-board: boot: maintain ACTION (STATUS), renews at T". Returns 1 when it ran, 0 without a URI. */
int mcu_client_boot(void);

/** Run one console command line (split at spaces, in place) with its report rendered to the console. Returns
 *  the exit code (0 ok, 1 failed, 2 usage, 4 trap) after printing the failure. */
int mcu_client_command(int argc, const char **argv);

/** Split a command line at spaces, in place; at most max arguments. */
int mcu_split_args(char *line, const char **argv, int max);

#endif
