/* capabilities.h - what the desktop simulator board offers the module. */
#ifndef EST_BOARD_CAPABILITIES_H
#define EST_BOARD_CAPABILITIES_H

#define BOARD_NAME "posix"
#define BOARD_WASM_STACK_BYTES (64u * 1024u) /* wasm3 value stack */
#define BOARD_WASM_MAX_PAGES 2               /* linear memory: two 64 KiB pages, as on the microcontrollers */
#define BOARD_COMPILE_EAGERLY 1              /* compile all functions at load: bad opcodes fail at start-up */
#define BOARD_TRANSPORT "UDP over IPv4 and IPv6 sockets"
#define BOARD_RNG "getrandom(2)"
#define BOARD_STORE "one file, replaced atomically (temp file, fsync, rename)"

#endif
