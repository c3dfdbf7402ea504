/*
 * est_client_esp32.c - est_client_esp32.h: menuconfig to est_client_config_t, the module's source, the system
 * clock, and the life-cycle task.
 */
#include <string.h>
#include <time.h>

#include "esp_log.h"
#include "esp_partition.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "sdkconfig.h"

#include "board_esp32.h"
#include "est_client_esp32.h"

static const char *TAG = "est";
static char server_uri[256];

/* boards/esp32/board_esp32.h: whether a running command should stop. An application that has a way to say
 * so (a button, a console command) defines its own; this one never stops. */
__attribute__((weak)) int board_esp32_cancelled(void) { return 0; }

/* The module: linked into the image (EMBED_FILES in CMakeLists.txt), or mapped from the "module" partition,
 * whose length est_module_length finds (erased flash follows the module). */
static const uint8_t *module_image(size_t *len) {
#if CONFIG_EST_MODULE_EMBEDDED
  extern const uint8_t start[] asm("_binary_client_wasm_start");
  extern const uint8_t end[] asm("_binary_client_wasm_end");
  *len = (size_t)(end - start);
  return start;
#else
  const esp_partition_t *p = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, 0x40, "module");
  if (!p) { ESP_LOGE(TAG, "no \"module\" partition: flash a partition table that has one"); return NULL; }
  const void *map;
  esp_partition_mmap_handle_t h;
  if (esp_partition_mmap(p, 0, p->size, ESP_PARTITION_MMAP_DATA, &map, &h) != ESP_OK) {
    ESP_LOGE(TAG, "cannot map the module partition");
    return NULL;
  }
  *len = est_module_length(map, p->size);
  if (*len == 0) {
    ESP_LOGE(TAG, "the \"module\" partition holds no WebAssembly module: write build/client.wasm to it");
    return NULL;
  }
  return map;
#endif
}

int64_t est_esp32_time_now(void *ctx) {
  (void)ctx;
  time_t t = time(NULL);
  return t >= 1609459200 ? (int64_t)t : -1; /* 2021-01-01: before it, the clock was never set */
}

esp_err_t est_esp32_init(est_client_t *c, est_client_done_fn on_done, void *ctx) {
  size_t len = 0;
  const uint8_t *wasm = module_image(&len);
  if (!wasm) return ESP_ERR_NOT_FOUND;
  est_client_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  if (CONFIG_EST_SERVER_URI[0]) cfg.server_uri = CONFIG_EST_SERVER_URI;
  else if (est_client_stored_uri(server_uri, sizeof server_uri) > 0) cfg.server_uri = server_uri;
  else { ESP_LOGE(TAG, "no server URI: set it in menuconfig, or provision it into the key store"); return ESP_ERR_NOT_FOUND; }
  cfg.renew_percent = CONFIG_EST_RENEW_PERCENT;
  cfg.limits = (est_host_limits_t){CONFIG_EST_WASM_STACK, 2, 0, CONFIG_EST_CODE_CACHE_BYTES, CONFIG_EST_MEMORY_BYTES};
  cfg.time_now = est_esp32_time_now;
  cfg.on_done = on_done;
  cfg.ctx = ctx;
  if (est_client_init(c, wasm, len, &cfg) != EST_OK) {
    ESP_LOGE(TAG, "cannot run the module (%u bytes): %s", (unsigned)len, est_client_error(c));
    return ESP_FAIL;
  }
  ESP_LOGI(TAG, "EST-oscore client ready: server %s, module %u bytes", cfg.server_uri, (unsigned)len);
  return ESP_OK;
}

static void task(void *arg) {
  est_client_task(arg);
  vTaskDelete(NULL);
}

esp_err_t est_esp32_start_task(est_client_t *c, unsigned priority) {
  return xTaskCreate(task, "est", CONFIG_EST_TASK_STACK, c, priority, NULL) == pdPASS ? ESP_OK : ESP_ERR_NO_MEM;
}
