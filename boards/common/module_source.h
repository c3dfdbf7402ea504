/* module_source.h - finding the WebAssembly module in flash (boards/common/module_source.c). */
#ifndef EST_MODULE_SOURCE_H
#define EST_MODULE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

/**
 * The length of the WebAssembly module at the start of `p` (at most `max` bytes): a module in a flash
 * partition is followed by erased flash (0xFF), and wasm has no overall length field, so walk the sections
 * until a byte that cannot start one. Returns the length, or 0 when `p` does not hold a well-formed module
 * (bad magic or version, a section running past `max`).
 */
size_t est_module_length(const uint8_t *p, size_t max);

/** Whether `p` starts like a module (the 8-byte wasm header) or is erased flash / anything else. */
int est_module_present(const uint8_t *p, size_t max);

/**
 * The module to run on a microcontroller board: the one in the module partition (link.ld: MODULE, 256 KiB at
 * 0xB8000) when the partition holds one, else the one embedded in the image. A partition that starts like a
 * module but is not a well-formed one is an error (*len = 0): running the older embedded module instead
 * would hide a failed update. *where says which ("partition" or "image").
 */
const uint8_t *est_module_select(size_t *len, const char **where);

#endif
