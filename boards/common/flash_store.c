/* flash_store.c - the key store (board_store_* of boards/board.h) as a log of records in NOR flash with the
 * nRF52840 NVMC's rules, shared by the microcontroller boards. The board supplies the region and two
 * primitives (flash_store.h): erase one 4 KiB page (all bits to 1) and program one aligned 32-bit word (bits
 * can only go from 1 to 0: the new content is old & value). On the nRF52840 those are the NVMC's own
 * operations; boards/mps2-an386 simulates them on RAM and mirrors them to a host file.
 *
 * Two banks of 4 pages (16 KiB). The active bank starts with a header {magic, generation, ~generation, -1};
 * records follow, word-aligned, until the first erased word:
 *   w0  0xEC000000 | id (up to EST_STORE_BOARD_MAX_ID: the module's records and, above 0xffff, the crypto
 *       provider's persistent keys, est_crypto.h)      w1  length in bytes      w2  CRC-32 of (w0, w1, data)
 *   w3  state: 0xFFFFFFFF written but not committed (a torn write: ignored), 0xFFFFFF00 live, 0 dead
 *   data, padded to a word with 0xFF
 * A write appends the new record, commits it (one word), then kills the old one (one word): after a power
 * cut the old record or the new one is live, never a mix; two live records of one id (a cut between commit
 * and kill) resolve to the later one. When the bank is full, the live records are copied to the other bank,
 * its header is written last (so an interrupted copy leaves the old bank active), and the old bank is erased.
 */
#include <stdint.h>
#include <string.h>
#include "board.h"
#include "est_abi.h"
#include "est_crypto.h"
#include "flash_store.h"

#define PAGE 4096u
#define BANK_PAGES 4u
#define BANK (PAGE * BANK_PAGES)
#define MAGIC 0x53545345u /* "ESTS" */
#define TAG 0xEC000000u
#define ST_FREE 0xFFFFFFFFu
#define ST_LIVE 0xFFFFFF00u
#define ST_DEAD 0u
#define HDR 16u
#define ERASED 0xFFFFFFFFu

uint32_t nvmc_page_erases, nvmc_word_writes;
static uint32_t *store_base;

static void nvmc_write_word(uint32_t *w, uint32_t value) {
  flash_write_word(w, value);
  nvmc_word_writes++;
}
static void nvmc_erase_page(uint32_t *page) {
  flash_erase_page(page);
  nvmc_page_erases++;
}
static void nvmc_write(uint32_t *dst, const uint8_t *src, size_t n) { /* n bytes, padded with 0xFF */
  for (size_t i = 0; i < n; i += 4) {
    uint32_t v = ERASED;
    memcpy(&v, src + i, n - i < 4 ? n - i : 4);
    nvmc_write_word(dst + i / 4, v);
  }
}

/* ---- CRC-32 (IEEE, reflected, as zlib) ------------------------------------------------------------------ */
static uint32_t crc32(uint32_t crc, const void *data, size_t n) {
  const uint8_t *p = data;
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

/* ---- Banks and records ---------------------------------------------------------------------------------- */
static uint32_t *bank_at(int b) { return store_base + b * (BANK / 4); }
static int active = -1;
static void compact(void);

static int bank_valid(int b, uint32_t *gen) {
  uint32_t *h = bank_at(b);
  if (h[0] != MAGIC || h[2] != ~h[1]) return 0;
  *gen = h[1];
  return 1;
}
static void bank_erase(int b) { for (uint32_t i = 0; i < BANK_PAGES; i++) nvmc_erase_page(bank_at(b) + i * (PAGE / 4)); }
static void bank_header(int b, uint32_t gen) {
  uint32_t h[4] = {MAGIC, gen, ~gen, ERASED};
  nvmc_write(bank_at(b), (const uint8_t *)h, sizeof h);
}

static uint32_t rec_words(uint32_t len) { return HDR / 4 + (len + 3) / 4; }

/* The first erased word after the records (the append point), in words from the bank start. */
static uint32_t log_end(int b) {
  uint32_t *w = bank_at(b), i = HDR / 4;
  while (i + HDR / 4 <= BANK / 4 && (w[i] & 0xFF000000u) == TAG && w[i + 1] <= EST_STORE_MAX_RECORD &&
         i + rec_words(w[i + 1]) <= BANK / 4)
    i += rec_words(w[i + 1]);
  return i;
}

static void store_init(void) {
  if (active >= 0) return;
  store_base = flash_store_region();
  uint32_t g0 = 0, g1 = 0;
  int v0 = bank_valid(0, &g0), v1 = bank_valid(1, &g1);
  if (v0 && (!v1 || (int32_t)(g0 - g1) > 0)) active = 0;
  else if (v1) active = 1;
  else { /* never formatted (or both headers lost): format */
    bank_erase(0);
    bank_erase(1);
    bank_header(0, 1);
    active = 0;
  }
  /* A write torn before its length word leaves programmed words after the log: copy the bank clean. */
  uint32_t end = log_end(active);
  if (end < BANK / 4 && bank_at(active)[end] != ERASED) compact();
}

/* The live record of id (the last one in the log), or NULL. */
static uint32_t *find(uint32_t id) {
  uint32_t *w = bank_at(active), end = log_end(active), *hit = NULL;
  for (uint32_t i = HDR / 4; i < end; i += rec_words(w[i + 1]))
    if (w[i] == (TAG | id) && w[i + 3] == ST_LIVE) hit = w + i;
  return hit;
}

static int rec_ok(const uint32_t *r) {
  uint32_t c = crc32(0, r, 8);
  return crc32(c, r + 4, r[1]) == r[2];
}

static uint32_t *append(int b, uint32_t at, uint32_t id, const uint8_t *data, uint32_t len) {
  uint32_t *r = bank_at(b) + at;
  uint32_t head[2] = {TAG | id, len};
  uint32_t crc = crc32(crc32(0, head, 8), data, len);
  nvmc_write_word(r, head[0]);
  nvmc_write_word(r + 1, head[1]);
  nvmc_write_word(r + 2, crc);
  nvmc_write(r + 4, data, len);
  nvmc_write_word(r + 3, ST_LIVE); /* commit */
  return r;
}

/* Copy the live records to the other bank, make it active, erase the old one. */
static void compact(void) {
  int from = active, to = 1 - active;
  uint32_t gen = bank_at(from)[1];
  bank_erase(to);
  uint32_t *w = bank_at(from), end = log_end(from), at = HDR / 4;
  for (uint32_t i = HDR / 4; i < end; i += rec_words(w[i + 1])) {
    if (w[i + 3] != ST_LIVE) continue;
    uint32_t id = w[i] & 0x00FFFFFFu;
    if (find(id) != w + i) continue; /* a later live record of the same id wins */
    uint32_t *r = bank_at(to) + at;
    for (uint32_t k = 0; k < rec_words(w[i + 1]); k++) if (k != 3) nvmc_write_word(r + k, w[i + k]);
    nvmc_write_word(r + 3, ST_LIVE);
    at += rec_words(w[i + 1]);
  }
  bank_header(to, gen + 1);
  active = to;
  bank_erase(from);
}

int32_t board_store_read(uint32_t id, uint8_t *out, size_t cap) {
  if (id > EST_STORE_BOARD_MAX_ID) return EST_E_STORE_ID;
  store_init();
  uint32_t *r = find(id);
  if (!r) return EST_E_STORE_NOT_FOUND;
  if (!rec_ok(r)) return EST_E_STORE_CORRUPT;
  if (cap < r[1]) return EST_E_BUFFER_TOO_SMALL;
  memcpy(out, r + 4, r[1]);
  return (int32_t)r[1];
}

int32_t board_store_write(uint32_t id, const uint8_t *data, size_t len) {
  if (id > EST_STORE_BOARD_MAX_ID) return EST_E_STORE_ID;
  if (len > EST_STORE_MAX_RECORD) return EST_E_STORE_TOO_LARGE;
  store_init();
  uint32_t need = rec_words((uint32_t)len);
  uint32_t at = log_end(active);
  if (at + need > BANK / 4) { compact(); at = log_end(active); }
  if (at + need > BANK / 4) return EST_E_STORE_FULL;
  uint32_t *old = find(id);
  append(active, at, id, data, (uint32_t)len);
  if (old) nvmc_write_word(old + 3, ST_DEAD);
  return EST_OK;
}

int32_t board_store_erase(uint32_t id) {
  if (id > EST_STORE_BOARD_MAX_ID) return EST_E_STORE_ID;
  store_init();
  uint32_t *r = find(id);
  if (r) nvmc_write_word(r + 3, ST_DEAD);
  return EST_OK;
}
