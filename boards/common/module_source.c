/* module_source.c - a module in a flash partition written separately from the firmware (so that a module update
 * needs no firmware rebuild): the microcontroller boards and the ESP32 find its length here. */
#include <string.h>

#include "module_source.h"

/* LEB128 u32 at p[*i] (at most 5 bytes), advancing *i; -1 when it runs past max or is too long. */
static long leb_u32(const uint8_t *p, size_t max, size_t *i) {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (*i >= max) return -1;
    uint8_t b = p[(*i)++];
    v |= (uint32_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) return (long)v;
  }
  return -1;
}

size_t est_module_length(const uint8_t *p, size_t max) {
  static const uint8_t head[8] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  if (max < 8 || memcmp(p, head, 8) != 0) return 0;
  size_t i = 8;
  while (i < max) {
    uint8_t id = p[i];
    if (id > 12) break; /* not a section id (erased flash is 0xFF): the module ends here */
    size_t at = i++;
    long n = leb_u32(p, max, &i);
    if (n < 0 || (size_t)n > max - i) return 0;
    /* A custom section (id 0) holds at least its name's length: "00 00" is not a section but zero-filled
     * memory after the module (QEMU's flash starts zeroed). */
    if (id == 0 && n == 0) { i = at; break; }
    i += (size_t)n;
  }
  return i;
}

int est_module_present(const uint8_t *p, size_t max) {
  static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
  return max >= 8 && memcmp(p, magic, 4) == 0;
}

#if defined(__arm__)
/* The microcontroller boards: the partition from link.ld, the embedded module from module.S. */
extern const uint8_t __module_part_start__[], __module_part_end__[];
extern const uint8_t est_module[], est_module_end[];

const uint8_t *est_module_select(size_t *len, const char **where) {
  size_t cap = (size_t)(__module_part_end__ - __module_part_start__);
  if (est_module_present(__module_part_start__, cap)) {
    *where = "partition";
    *len = est_module_length(__module_part_start__, cap);
    return __module_part_start__;
  }
  *where = "image";
  *len = (size_t)(est_module_end - est_module);
  return est_module;
}
#endif
