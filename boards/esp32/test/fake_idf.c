/* fake_idf.c - the ESP-IDF calls of boards/esp32 on Linux, for test/board-esp32.test.ts. The NVS stand-in keeps
 * its entries in memory with ESP-IDF's semantics (a blob read with a short buffer fails with INVALID_LENGTH
 * and copies nothing, a missing key is NOT_FOUND) and, when EST_FAKE_NVS names a file, loads it at nvs_open
 * and rewrites it (a new file, then rename) at every nvs_commit: the flash of the next "boot". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "esp_err.h"
#include "esp_random.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "nvs.h"

const char *esp_err_to_name(esp_err_t e) {
  switch (e) {
    case ESP_OK: return "ESP_OK";
    case ESP_ERR_NVS_NOT_FOUND: return "ESP_ERR_NVS_NOT_FOUND";
    case ESP_ERR_NVS_NOT_ENOUGH_SPACE: return "ESP_ERR_NVS_NOT_ENOUGH_SPACE";
    case ESP_ERR_NVS_INVALID_LENGTH: return "ESP_ERR_NVS_INVALID_LENGTH";
    default: return "ESP_FAIL";
  }
}

esp_reset_reason_t esp_reset_reason(void) { return ESP_RST_POWERON; } /* a new process: power-on */

void esp_fill_random(void *buf, size_t len) {
  uint8_t *p = buf;
  while (len) {
    ssize_t n = getrandom(p, len, 0);
    if (n <= 0) abort();
    p += n; len -= (size_t)n;
  }
}

int64_t esp_timer_get_time(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#define MAX_ENTRIES 64
#define MAX_BLOB 4096
static struct { char key[16]; uint8_t data[MAX_BLOB]; size_t len; int used; } entries[MAX_ENTRIES];
static int opened;

static int find(const char *key) {
  for (int i = 0; i < MAX_ENTRIES; i++) if (entries[i].used && strcmp(entries[i].key, key) == 0) return i;
  return -1;
}

esp_err_t nvs_open(const char *name, nvs_open_mode_t mode, nvs_handle_t *out) {
  (void)name; (void)mode;
  *out = 1;
  if (opened) return ESP_OK;
  opened = 1;
  const char *path = getenv("EST_FAKE_NVS");
  FILE *f = path ? fopen(path, "rb") : NULL;
  if (!f) return ESP_OK;
  for (int i = 0; i < MAX_ENTRIES; i++) {
    uint32_t len;
    if (fread(entries[i].key, 1, 16, f) != 16 || fread(&len, 4, 1, f) != 1 || len > MAX_BLOB || fread(entries[i].data, 1, len, f) != len) break;
    entries[i].len = len;
    entries[i].used = 1;
  }
  fclose(f);
  return ESP_OK;
}

esp_err_t nvs_get_blob(nvs_handle_t h, const char *key, void *out, size_t *length) {
  (void)h;
  int i = find(key);
  if (i < 0) return ESP_ERR_NVS_NOT_FOUND;
  if (!out) { *length = entries[i].len; return ESP_OK; }
  if (*length < entries[i].len) return ESP_ERR_NVS_INVALID_LENGTH;
  memcpy(out, entries[i].data, entries[i].len);
  *length = entries[i].len;
  return ESP_OK;
}

esp_err_t nvs_set_blob(nvs_handle_t h, const char *key, const void *value, size_t length) {
  (void)h;
  if (strlen(key) > 15) return ESP_FAIL;
  if (length > MAX_BLOB) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
  int i = find(key);
  for (int k = 0; i < 0 && k < MAX_ENTRIES; k++) if (!entries[k].used) i = k;
  if (i < 0) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
  strcpy(entries[i].key, key);
  memcpy(entries[i].data, value, length);
  entries[i].len = length;
  entries[i].used = 1;
  return ESP_OK;
}

esp_err_t nvs_erase_key(nvs_handle_t h, const char *key) {
  (void)h;
  int i = find(key);
  if (i < 0) return ESP_ERR_NVS_NOT_FOUND;
  entries[i].used = 0;
  return ESP_OK;
}

esp_err_t nvs_commit(nvs_handle_t h) {
  (void)h;
  const char *path = getenv("EST_FAKE_NVS");
  if (!path) return ESP_OK;
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.new", path);
  FILE *f = fopen(tmp, "wb");
  if (!f) return ESP_FAIL;
  for (int i = 0; i < MAX_ENTRIES; i++) {
    if (!entries[i].used) continue;
    char key[16] = {0};
    strncpy(key, entries[i].key, 15);
    uint32_t len = (uint32_t)entries[i].len;
    fwrite(key, 1, 16, f); fwrite(&len, 4, 1, f); fwrite(entries[i].data, 1, len, f);
  }
  if (fclose(f) != 0) return ESP_FAIL;
  return rename(tmp, path) == 0 ? ESP_OK : ESP_FAIL;
}

/* ---- The "module" partition, FreeRTOS tasks, nvs_flash_init: for components/est_client and the example ---- */
#include <pthread.h>
#include <unistd.h>
#include "esp_partition.h"
#include "freertos/task.h"
#include "nvs_flash.h"

esp_err_t nvs_flash_init(void) { return ESP_OK; }

static uint8_t partition[512 * 1024];
static esp_partition_t module_partition = {"module", sizeof partition};
const esp_partition_t *esp_partition_find_first(esp_partition_type_t type, int subtype, const char *label) {
  (void)type; (void)subtype;
  const char *path = getenv("EST_FAKE_MODULE");
  if (!path || strcmp(label, "module") != 0) return NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t n = fread(partition, 1, sizeof partition - 65536, f);
  fclose(f);
  memset(partition + n, 0xFF, sizeof partition - n);
  return &module_partition;
}
esp_err_t esp_partition_mmap(const esp_partition_t *p, size_t offset, size_t size, esp_partition_mmap_memory_t memory,
                             const void **out, esp_partition_mmap_handle_t *handle) {
  (void)p; (void)size; (void)memory;
  *out = partition + offset;
  *handle = 1;
  return ESP_OK;
}

#define MAX_TASKS 8
static pthread_t tasks[MAX_TASKS];
static int ntasks;
struct task_start { void (*fn)(void *); void *arg; };
static void *task_main(void *p) {
  struct task_start s = *(struct task_start *)p;
  free(p);
  s.fn(s.arg);
  return NULL;
}
BaseType_t xTaskCreate(void (*fn)(void *), const char *name, uint32_t stack, void *arg, UBaseType_t prio, TaskHandle_t *out) {
  (void)name; (void)prio;
  struct task_start *s = malloc(sizeof *s);
  if (!s || ntasks == MAX_TASKS) { free(s); return pdFAIL; }
  s->fn = fn; s->arg = arg;
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setstacksize(&a, stack < 65536 ? 65536 : stack);
  if (pthread_create(&tasks[ntasks], &a, task_main, s) != 0) { free(s); return pdFAIL; }
  if (out) *out = (TaskHandle_t)(uintptr_t)(ntasks + 1);
  ntasks++;
  return pdPASS;
}
void vTaskDelete(TaskHandle_t t) { if (!t) pthread_exit(NULL); }
void vTaskDelay(TickType_t ticks) { usleep((useconds_t)ticks * 1000u); }
UBaseType_t uxTaskGetStackHighWaterMark(TaskHandle_t t) { (void)t; return 0; }
void fake_tasks_join(void) { for (int i = 0; i < ntasks; i++) pthread_join(tasks[i], NULL); }
