// Fixed capacities of the module, in one place. Every buffer in the module is sized here and allocated once
// at start-up; nothing grows during a command. The whole module lives in one 64 KiB page of linear memory.

/** Host-to-module input buffer: argv of a command, or one datagram with its source endpoint. */
export const IO_CAPACITY: i32 = 4096;
/** Most arguments a command line may have (argv[0] included). */
export const MAX_ARGS: i32 = 32;
/** Scratch buffer for formatting command output before it is handed to board.out. */
export const OUT_CAPACITY: i32 = 1024;
/** Room for the detail text of the last error. */
export const ERROR_DETAIL_CAPACITY: i32 = 256;
/** Scratch buffer for one log line. */
export const LOG_CAPACITY: i32 = 256;
