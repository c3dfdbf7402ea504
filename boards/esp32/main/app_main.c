/*
 * app_main.c - the ESP32 board's test application, a user of the est_client component: join the Wi-Fi network
 * of menuconfig, then, in a task of its own (wasm3 needs more stack than app_main's), run `enroll --json`
 * against the configured server and print its report (what the HIL runner reads: one enrollment per boot),
 * then keep the certificate renewed with the component's life-cycle loop (est_client_task). Everything the
 * module does goes through boards/esp32/board_esp32.c. examples/esp32-sensor is the application template.
 */
#include <string.h>

#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/event_groups.h"
#include "freertos/task.h"
#include "nvs_flash.h"

#include "board.h"
#include "board_esp32.h"
#include "est_abi.h"
#include "est_client_esp32.h"

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

static est_client_t client; /* wasm3 keeps pointers into it while the module is loaded */

static void est_task(void *arg) {
  (void)arg;
  if (est_esp32_init(&client, NULL, NULL) == ESP_OK) {
    const char *argv[] = {"enroll", "--json", client.cfg.server_uri};
    int32_t status = EST_OK;
    int64_t t0 = esp_timer_get_time();
    int rc = est_client_command(&client, 3, argv, &status);
    board_esp32_net_reset();
    if (rc != EST_HOST_OK) ESP_LOGE(TAG, "enroll: %s", est_client_error(&client));
    else if (status != EST_OK) ESP_LOGE(TAG, "enroll: %s (%s)", est_status_name(status), est_client_detail(&client));
    else ESP_LOGI(TAG, "enrolled in %lld ms", (long long)((esp_timer_get_time() - t0) / 1000));
    ESP_LOGI(TAG, "heap free %u bytes (lowest %u); this task's stack never used %u bytes",
             (unsigned)esp_get_free_heap_size(), (unsigned)esp_get_minimum_free_heap_size(),
             (unsigned)uxTaskGetStackHighWaterMark(NULL));
    est_client_task(&client); /* from now on: renew when due (the system clock must be set: SNTP) */
  }
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
