/*
 * store_file.h - the desktop simulator's key store: all records in one file, replaced atomically.
 *
 * File format (all integers big-endian):
 *   header  "ESTK" | u16 version = 1 | u16 reserved = 0 | u32 record count | u32 CRC-32 of the 12 bytes before
 *   record  u32 id | u32 length | u32 CRC-32 of (id | length | data) | data[length]
 * The file ends exactly after the last record. A record whose CRC fails reads as EST_E_STORE_CORRUPT and is
 * kept byte for byte when other records change; a file whose structure is broken (bad magic, header CRC,
 * truncation, trailing bytes) is refused as a whole and never modified.
 *
 * Every change writes a complete new image to PATH.tmp, fsyncs it, renames it over PATH and fsyncs the
 * directory, so a power cut leaves the old file or the new one. tools/ and the Node host read and write the
 * same format.
 */
#ifndef EST_STORE_FILE_H
#define EST_STORE_FILE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_FILE_HEADER 16
#define STORE_FILE_RECORD_HEADER 12
#define STORE_FILE_DEFAULT_CAPACITY 32768

/** Open (or prepare to create) the store at path. capacity bounds the file size in bytes.
 *  Returns EST_OK, or EST_E_STORE_CORRUPT / EST_E_STORE_IO with a message in err. */
int32_t store_file_open(const char *path, size_t capacity, char *err, size_t err_cap);

int32_t store_file_read(uint32_t id, uint8_t *out, size_t cap);
int32_t store_file_write(uint32_t id, const uint8_t *data, size_t len);
int32_t store_file_erase(uint32_t id);

/** CRC-32 (IEEE 802.3, reflected, as zlib) continued from crc (start with 0). */
uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n);

#endif
