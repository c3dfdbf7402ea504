/* ram_256k.h - the host settings that let an enrollment fit a board with 256 KiB of RAM (the nRF52840, and
 * mps2-an386 held to it, where they were measured: README "RAM"). A board's capabilities.h includes this. */
#ifndef EST_BOARD_RAM_256K_H
#define EST_BOARD_RAM_256K_H

/* wasm3 keeps at most this much compiled code between two calls into the module (est_host_limits_t), so the
 * code of one step of a command is in RAM at a time, not that of the whole command. */
#ifndef BOARD_CODE_CACHE_BYTES
#define BOARD_CODE_CACHE_BYTES 2048
#endif
/* ... and allocates only this much of the module's two declared 64 KiB pages: its heap top is 116,704 bytes
 * (est-sim selftest --json); the host refuses a module whose heap top is above it, at load. */
#ifndef BOARD_WASM_MEMORY_BYTES
#define BOARD_WASM_MEMORY_BYTES (116u * 1024u)
#endif

#endif
