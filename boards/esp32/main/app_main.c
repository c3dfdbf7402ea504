/*
 * app_main.c - the ESP32 application: join the Wi-Fi network of menuconfig, then run `enroll` against the
 * configured EST-oscore server in a task of its own (wasm3 needs more stack than app_main's), print the
 * result, and stay idle. Everything the module does goes through boards/esp32/board_esp32.c.
 */
#include <string.h>

#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_partition.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/event_groups.h"
#include "freertos/task.h"
#include "nvs_flash.h"

#include "board.h"
#include "board_esp32.h"
#include "capabilities.h"
#include "est_abi.h"
#include "est_host.h"

static const char *TAG = "est-app";
static EventGroupHandle_t net;
#define GOT_IP BIT0

int board_esp32_cancelled(void) { return 0; }

static void on_event(void *arg, esp_event_base_t base, int32_t id, void *data) {
  if (base == WIFI_EVENT && id == WIFI_EVENT_STA_START) {
    esp_wifi_connect();
  } else if (base == WIFI_EVENT && id == WIFI_EVENT_STA_DISCONNECTED) {
    xEventGroupClearBits(net, GOT_IP);
    ESP_LOGW(TAG, "Wi-Fi disconnected; reconnecting");
    esp_wifi_connect();
  } else if (base == IP_EVENT && id == IP_EVENT_STA_GOT_IP) {
    const ip_event_got_ip_t *e = data;
    ESP_LOGI(TAG, "address " IPSTR, IP2STR(&e->ip_info.ip));
    xEventGroupSetBits(net, GOT_IP);
  }
}

static void wifi_start(void) {
  net = xEventGroupCreate();
  ESP_ERROR_CHECK(esp_netif_init());
  ESP_ERROR_CHECK(esp_event_loop_create_default());
  esp_netif_create_default_wifi_sta();
  wifi_init_config_t cfg = WIFI_INIT_CONFIG_DEFAULT();
  ESP_ERROR_CHECK(esp_wifi_init(&cfg));
  ESP_ERROR_CHECK(esp_event_handler_register(WIFI_EVENT, ESP_EVENT_ANY_ID, on_event, NULL));
  ESP_ERROR_CHECK(esp_event_handler_register(IP_EVENT, IP_EVENT_STA_GOT_IP, on_event, NULL));
  wifi_config_t wc;
  memset(&wc, 0, sizeof wc);
  strlcpy((char *)wc.sta.ssid, CONFIG_EST_WIFI_SSID, sizeof wc.sta.ssid);
  strlcpy((char *)wc.sta.password, CONFIG_EST_WIFI_PASSWORD, sizeof wc.sta.password);
  ESP_ERROR_CHECK(esp_wifi_set_mode(WIFI_MODE_STA));
  ESP_ERROR_CHECK(esp_wifi_set_config(WIFI_IF_STA, &wc));
  ESP_ERROR_CHECK(esp_wifi_start());
}

/* The module: linked into the image (EMBED_FILES in main/CMakeLists.txt), or mapped from the "module"
 * partition, whose length est_module_length finds (erased flash follows the module). */
static const uint8_t *module_image(size_t *len) {
#if CONFIG_EST_MODULE_EMBEDDED
  extern const uint8_t start[] asm("_binary_client_wasm_start");
  extern const uint8_t end[] asm("_binary_client_wasm_end");
  *len = (size_t)(end - start);
  return start;
#else
  const esp_partition_t *p = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, 0x40, "module");
  if (!p) { ESP_LOGE(TAG, "no \"module\" partition: flash the partition table of partitions.csv"); return NULL; }
  const void *map;
  esp_partition_mmap_handle_t h;
  if (esp_partition_mmap(p, 0, p->size, ESP_PARTITION_MMAP_DATA, &map, &h) != ESP_OK) {
    ESP_LOGE(TAG, "cannot map the module partition");
    return NULL;
  }
  *len = est_module_length(map, p->size);
  if (*len == 0) {
    ESP_LOGE(TAG, "the \"module\" partition holds no WebAssembly module: write build/client.wasm to it (README.md)");
    return NULL;
  }
  return map;
#endif
}

static void est_task(void *arg) {
  (void)arg;
  static est_host_t host; /* wasm3 keeps pointers into it while the module is loaded */
  size_t len = 0;
  const uint8_t *wasm = module_image(&len);
  if (wasm) {
    const est_host_limits_t limits = {BOARD_WASM_STACK_BYTES, BOARD_WASM_MAX_PAGES, BOARD_COMPILE_EAGERLY,
                                      BOARD_CODE_CACHE_BYTES, BOARD_WASM_MEMORY_BYTES};
    if (est_host_load(&host, wasm, len, &limits) != EST_HOST_OK) {
      ESP_LOGE(TAG, "cannot run the module (%u bytes): %s", (unsigned)len, host.error);
    } else {
      const char *argv[] = {"enroll", "--json", CONFIG_EST_SERVER_URI};
      int32_t status = EST_OK;
      int64_t t0 = esp_timer_get_time();
      int rc = est_host_run(&host, 3, argv, &status);
      board_esp32_net_reset();
      if (rc != EST_HOST_OK) ESP_LOGE(TAG, "enroll: %s", host.error);
      else if (status != EST_OK) {
        uint32_t dl = 0;
        const char *d = est_host_error_detail(&host, &dl);
        ESP_LOGE(TAG, "enroll: %s (%.*s)", est_status_name(status), (int)dl, d);
      } else {
        ESP_LOGI(TAG, "enrolled in %lld ms", (long long)((esp_timer_get_time() - t0) / 1000));
      }
    }
  }
  ESP_LOGI(TAG, "heap free %u bytes (lowest %u); this task's stack never used %u bytes",
           (unsigned)esp_get_free_heap_size(), (unsigned)esp_get_minimum_free_heap_size(),
           (unsigned)uxTaskGetStackHighWaterMark(NULL));
  vTaskDelete(NULL);
}

void app_main(void) {
  esp_err_t e = nvs_flash_init();
  if (e != ESP_OK) {
    /* Not erased automatically: NVS holds the device's keys and certificate. */
    ESP_LOGE(TAG, "nvs_flash_init: %s. To start over (the key store is lost): idf.py erase-flash", esp_err_to_name(e));
    return;
  }
  ESP_LOGI(TAG, "reset cause: %s", board_reset_cause());
  wifi_start();
  xEventGroupWaitBits(net, GOT_IP, pdFALSE, pdTRUE, portMAX_DELAY);
  xTaskCreate(est_task, "est", CONFIG_EST_TASK_STACK, NULL, 5, NULL);
}
