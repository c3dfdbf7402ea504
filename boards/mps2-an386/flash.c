/* flash.c - simulated nRF52840 NVMC for boards/common/flash_store.c, with the flash kept in a host file.
 *
 * The store region is the last 32 KiB of the 1 MiB flash (link.ld: STORE). QEMU's mps2-an386 maps writable RAM
 * there, so the NVMC's rules are enforced here: erase works on whole 4 KiB pages (all bits to 1), a write is
 * one aligned 32-bit word and can only turn bits from 1 to 0 (the new content is old & value). Nothing else
 * writes the region.
 *
 * With `--flash FILE` on the command line (flash_file_open), the region is loaded from FILE at boot (created
 * erased when missing) and every erase and word write goes on to FILE through semihosting before the
 * operation returns. QEMU writes it with write(2), so killing QEMU at any moment - a power cut - leaves FILE
 * as the flash would be: every completed operation in it, nothing after. Restarting with the same FILE is
 * the power coming back.
 */
#include <stdint.h>
#include <string.h>
#include "board.h"
#include "flash_store.h"

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_SEEK 0x0A
#define SYS_FLEN 0x0C
int32_t semihost(int32_t op, void *arg);

extern uint32_t __store_start__[], __store_end__[];
static int32_t flash_fd = -1;

uint32_t *flash_store_region(void) { return __store_start__; }

static void mirror(const uint32_t *at, size_t bytes) {
  if (flash_fd < 0) return;
  uint32_t s[2] = {(uint32_t)flash_fd, (uint32_t)((const uint8_t *)at - (const uint8_t *)__store_start__)};
  uint32_t w[3] = {(uint32_t)flash_fd, (uint32_t)at, (uint32_t)bytes};
  if (semihost(SYS_SEEK, s) != 0 || semihost(SYS_WRITE, w) != 0) {
    extern void board_fault(const char *);
    board_fault("flash file: write failed");
  }
}

void flash_erase_page(uint32_t *page) {
  for (uint32_t i = 0; i < FLASH_STORE_PAGE_BYTES / 4; i++) ((volatile uint32_t *)page)[i] = 0xFFFFFFFFu;
  mirror(page, FLASH_STORE_PAGE_BYTES);
}

void flash_write_word(uint32_t *w, uint32_t value) {
  *(volatile uint32_t *)w &= value; /* flash: bits go from 1 to 0 only */
  mirror(w, 4);
}

/* Open (or create erased) the flash file and load the region from it. Returns 0, or -1 if it cannot. */
int flash_file_open(const char *path) {
  size_t n = strlen(path);
  uint32_t o[3] = {(uint32_t)path, 3 /* "r+b" */, (uint32_t)n};
  int32_t fd = semihost(SYS_OPEN, o);
  const uint32_t bytes = (uint32_t)((uint8_t *)__store_end__ - (uint8_t *)__store_start__);
  if (fd >= 0) {
    uint32_t l[1] = {(uint32_t)fd};
    if (semihost(SYS_FLEN, l) != (int32_t)bytes) return -1; /* not a flash image of this board */
    uint32_t r[3] = {(uint32_t)fd, (uint32_t)__store_start__, bytes};
    if (semihost(SYS_READ, r) != 0) return -1;
    flash_fd = fd;
    return 0;
  }
  o[1] = 7; /* "w+b": a new, erased flash */
  fd = semihost(SYS_OPEN, o);
  if (fd < 0) return -1;
  flash_fd = fd;
  for (uint32_t *p = __store_start__; p < __store_end__; p += FLASH_STORE_PAGE_BYTES / 4) flash_erase_page(p);
  return 0;
}
