/* module_source.c - where the ESP32 finds its module: embedded in the firmware image, or in a flash partition
 * written separately (so that a module update needs no firmware rebuild). This part is plain C: the length
 * of a module in a partition, which test/board-esp32.test.ts checks on Linux. */
#include <string.h>

#include "board_esp32.h"

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
    i++;
    long n = leb_u32(p, max, &i);
    if (n < 0 || (size_t)n > max - i) return 0;
    i += (size_t)n;
  }
  return i;
}
