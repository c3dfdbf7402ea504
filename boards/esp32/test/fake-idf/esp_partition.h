/* Stand-in for ESP-IDF's esp_partition.h (Linux build): the "module" partition is the file named by
 * EST_FAKE_MODULE, read into a buffer padded with 0xFF as erased flash follows a module (fake_idf.c). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
typedef enum { ESP_PARTITION_TYPE_APP = 0, ESP_PARTITION_TYPE_DATA = 1 } esp_partition_type_t;
typedef enum { ESP_PARTITION_MMAP_DATA = 0 } esp_partition_mmap_memory_t;
typedef uint32_t esp_partition_mmap_handle_t;
typedef struct { const char *label; size_t size; } esp_partition_t;
const esp_partition_t *esp_partition_find_first(esp_partition_type_t type, int subtype, const char *label);
esp_err_t esp_partition_mmap(const esp_partition_t *p, size_t offset, size_t size, esp_partition_mmap_memory_t memory,
                             const void **out, esp_partition_mmap_handle_t *handle);
