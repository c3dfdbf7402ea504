/* flash_store.h - what a board gives boards/common/flash_store.c (the key store as a record log in flash).
 *
 * The region is 32 KiB (two banks of four 4 KiB pages), word-aligned and page-aligned, and belongs to the
 * store alone. Both primitives return once the operation is complete: a power cut after the return leaves
 * it done, a cut during it may leave the word (or page) in any state between old and new.
 */
#ifndef EST_FLASH_STORE_H
#define EST_FLASH_STORE_H

#include <stdint.h>

#define FLASH_STORE_PAGE_BYTES 4096u
#define FLASH_STORE_BYTES (8u * FLASH_STORE_PAGE_BYTES)

/** The start of the store region (FLASH_STORE_BYTES, page-aligned). */
uint32_t *flash_store_region(void);
/** Erase the 4 KiB page at `page`: every bit to 1. */
void flash_erase_page(uint32_t *page);
/** Program one word: the word becomes (old & value). */
void flash_write_word(uint32_t *word, uint32_t value);

/** Operation counts since reset (for measurements). */
extern uint32_t nvmc_page_erases, nvmc_word_writes;

#endif
