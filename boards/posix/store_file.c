/*
 * store_file.c - file-backed key store of the desktop simulator (format in store_file.h).
 *
 * The whole image lives in memory (at most `capacity` bytes); every change builds a new image and replaces
 * the file atomically. The in-memory image is only updated after the new file is durably in place.
 */
#include "store_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "est_abi.h"

static char *g_path;
static size_t g_cap;
static uint8_t *g_img;  /* current image (header + records) */
static size_t g_len;    /* its length; 0 when the file does not exist yet */
static uint8_t *g_next; /* scratch for the next image */

uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

/* Check the structure of an image; the per-record CRCs are checked on read. */
static int parse(const uint8_t *img, size_t len, char *err, size_t err_cap) {
  if (len < STORE_FILE_HEADER) { snprintf(err, err_cap, "file is truncated (%zu bytes, header needs %d)", len, STORE_FILE_HEADER); return -1; }
  if (memcmp(img, "ESTK", 4) != 0) { snprintf(err, err_cap, "not a key-store file (bad magic)"); return -1; }
  if (img[4] != 0 || img[5] != 1) { snprintf(err, err_cap, "unsupported key-store version %u", (unsigned)(img[4] << 8 | img[5])); return -1; }
  if (crc32_update(0, img, 12) != be32(img + 12)) { snprintf(err, err_cap, "header checksum mismatch"); return -1; }
  uint32_t count = be32(img + 8);
  size_t off = STORE_FILE_HEADER;
  for (uint32_t i = 0; i < count; i++) {
    if (len - off < STORE_FILE_RECORD_HEADER) { snprintf(err, err_cap, "file is truncated inside record %u of %u", i + 1, count); return -1; }
    uint32_t n = be32(img + off + 4);
    if (n > EST_STORE_MAX_RECORD || len - off - STORE_FILE_RECORD_HEADER < n) {
      snprintf(err, err_cap, "file is truncated or corrupt at record %u of %u (length %u)", i + 1, count, n);
      return -1;
    }
    off += STORE_FILE_RECORD_HEADER + n;
  }
  if (off != len) { snprintf(err, err_cap, "%zu unexpected bytes after the last record", len - off); return -1; }
  return 0;
}

int32_t store_file_open(const char *path, size_t capacity, char *err, size_t err_cap) {
  g_path = strdup(path);
  g_cap = capacity < STORE_FILE_HEADER ? STORE_FILE_HEADER : capacity;
  g_img = malloc(g_cap);
  g_next = malloc(g_cap);
  if (!g_path || !g_img || !g_next) { snprintf(err, err_cap, "out of memory"); return EST_E_STORE_IO; }
  g_len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return EST_OK; /* created on the first write */
    snprintf(err, err_cap, "cannot open: %s", strerror(errno));
    return EST_E_STORE_IO;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { close(fd); snprintf(err, err_cap, "not a regular file"); return EST_E_STORE_IO; }
  if ((size_t)st.st_size > g_cap) {
    close(fd);
    snprintf(err, err_cap, "file is %lld bytes, larger than the store capacity of %zu bytes", (long long)st.st_size, g_cap);
    return EST_E_STORE_CORRUPT;
  }
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, g_img + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { close(fd); snprintf(err, err_cap, "read failed: %s", n < 0 ? strerror(errno) : "short read"); return EST_E_STORE_IO; }
    got += (size_t)n;
  }
  close(fd);
  if (parse(g_img, got, err, err_cap) != 0) return EST_E_STORE_CORRUPT;
  g_len = got;
  return EST_OK;
}

/* Find record id: offset of its record header, or 0 when absent. */
static size_t find(uint32_t id) {
  if (g_len == 0) return 0;
  uint32_t count = be32(g_img + 8);
  size_t off = STORE_FILE_HEADER;
  for (uint32_t i = 0; i < count; i++) {
    if (be32(g_img + off) == id) return off;
    off += STORE_FILE_RECORD_HEADER + be32(g_img + off + 4);
  }
  return 0;
}

int32_t store_file_read(uint32_t id, uint8_t *out, size_t cap) {
  size_t off = find(id);
  if (!off) return EST_E_STORE_NOT_FOUND;
  uint32_t n = be32(g_img + off + 4);
  uint32_t crc = crc32_update(crc32_update(0, g_img + off, 8), g_img + off + 12, n);
  if (crc != be32(g_img + off + 8)) return EST_E_STORE_CORRUPT;
  if (cap < n) return EST_E_BUFFER_TOO_SMALL;
  memcpy(out, g_img + off + 12, n);
  return (int32_t)n;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Durably replace the file with g_next[0..len) and adopt it as the current image. */
static int32_t commit(size_t len) {
  size_t plen = strlen(g_path);
  char *tmp = malloc(plen + 5), *dir = strdup(g_path);
  if (!tmp || !dir) { free(tmp); free(dir); return EST_E_STORE_IO; }
  memcpy(tmp, g_path, plen);
  memcpy(tmp + plen, ".tmp", 5);
  int32_t rc = EST_E_STORE_IO;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    int ok = write_all(fd, g_next, len) == 0 && fsync(fd) == 0;
    ok = (close(fd) == 0) && ok;
    if (ok && rename(tmp, g_path) == 0) {
      int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) { fsync(dfd); close(dfd); }
      memcpy(g_img, g_next, len);
      g_len = len;
      rc = EST_OK;
    } else {
      unlink(tmp);
    }
  }
  if (rc != EST_OK) {
    char msg[160];
    int m = snprintf(msg, sizeof msg, "key store: cannot write %s: %s", g_path, strerror(errno));
    board_log(EST_LOG_ERROR, msg, (size_t)m);
  }
  free(tmp);
  free(dir);
  return rc;
}

/* Build the next image: every record except `id`, then (if data) the new record for id. */
static int32_t rebuild(uint32_t id, const uint8_t *data, size_t len, int put) {
  uint32_t count = g_len ? be32(g_img + 8) : 0, out_count = 0;
  size_t need = STORE_FILE_HEADER, off = STORE_FILE_HEADER;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t n = be32(g_img + off + 4);
    if (be32(g_img + off) != id) need += STORE_FILE_RECORD_HEADER + n;
    off += STORE_FILE_RECORD_HEADER + n;
  }
  if (put) need += STORE_FILE_RECORD_HEADER + len;
  if (need > g_cap) return EST_E_STORE_FULL;

  size_t o = STORE_FILE_HEADER;
  off = STORE_FILE_HEADER;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t n = be32(g_img + off + 4);
    if (be32(g_img + off) != id) { /* copied verbatim, a corrupt record included */
      memcpy(g_next + o, g_img + off, STORE_FILE_RECORD_HEADER + n);
      o += STORE_FILE_RECORD_HEADER + n;
      out_count++;
    }
    off += STORE_FILE_RECORD_HEADER + n;
  }
  if (put) {
    put32(g_next + o, id);
    put32(g_next + o + 4, (uint32_t)len);
    if (len) memcpy(g_next + o + 12, data, len);
    put32(g_next + o + 8, crc32_update(crc32_update(0, g_next + o, 8), g_next + o + 12, len));
    o += STORE_FILE_RECORD_HEADER + len;
    out_count++;
  }
  memcpy(g_next, "ESTK\0\1\0\0", 8);
  put32(g_next + 8, out_count);
  put32(g_next + 12, crc32_update(0, g_next, 12));
  return commit(o);
}

int32_t store_file_write(uint32_t id, const uint8_t *data, size_t len) {
  if (len > EST_STORE_MAX_RECORD) return EST_E_STORE_TOO_LARGE;
  return rebuild(id, data, len, 1);
}

int32_t store_file_erase(uint32_t id) {
  if (!find(id)) return EST_OK;
  return rebuild(id, NULL, 0, 0);
}
