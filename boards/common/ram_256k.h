/* ram_256k.h - the host settings that let an enrollment fit a board with 256 KiB of RAM (the nRF52840, and
 * mps2-an386 held to it, where they were measured: README "RAM"). A board's capabilities.h includes this. */
#ifndef EST_BOARD_RAM_256K_H
#define EST_BOARD_RAM_256K_H

/* wasm3 value stack, measured on mps2-an386 (its stats line; the interpreter's slots are the same on every
 * 32-bit board): the portable module peaks at 2,852 B (x5chain; 2,756 B with the default identity), the
 * native-crypto one at 1,905 B (every identity), which gets 3 KiB. A module that would go beyond traps with
 * "stack overflow" at the call, it does not overrun. */
#ifndef BOARD_WASM_STACK_BYTES
#if defined(BOARD_NATIVE_CRYPTO)
#define BOARD_WASM_STACK_BYTES (3u * 1024u)
#else
#define BOARD_WASM_STACK_BYTES (4u * 1024u)
#endif
#endif

/* wasm3 keeps at most this much compiled code between two calls into the module (est_host_limits_t), so the
 * code of one step of a command is in RAM at a time, not that of the whole command. */
#ifndef BOARD_CODE_CACHE_BYTES
#define BOARD_CODE_CACHE_BYTES 2048
#endif
/* ... and allocates at most this much of the module's two declared 64 KiB pages, keeping after start-up only
 * the module's heap top (est_host_limits_t.memory_bytes): the device module keeps 48 KiB, the simulator
 * module (selftest from the module partition) 62 KiB. A module whose heap top is above it is refused at load.
 * The whole allocation is live while the module loads and starts, so it is part of the board's heap peak: the
 * native-crypto firmware (BOARD_NATIVE_CRYPTO, set by the build scripts' CRYPTO=native) runs
 * build/client-native.wasm, whose heap top is 35,888 bytes, and gives it 36 KiB (its peak drops by 27 KiB);
 * after start-up the host keeps the heap top, rounded up to 8 bytes. */
#ifndef BOARD_WASM_MEMORY_BYTES
#if defined(BOARD_NATIVE_CRYPTO)
#define BOARD_WASM_MEMORY_BYTES (36u * 1024u)
#else
#define BOARD_WASM_MEMORY_BYTES (64u * 1024u)
#endif
#endif

#endif
