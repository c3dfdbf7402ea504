/*
 * app_main.c - an example ESP-IDF application on the est_client component: a sensor that keeps its own
 * certificate. After the network is up (network.c: Wi-Fi and SNTP), one task does everything:
 *
 *   maintain   enroll when there is no certificate, renew with /sren at two thirds of the validity (menuconfig
 *              "EST-oscore client"), enroll from scratch when it expired, else nothing
 *   report     every CONFIG_EXAMPLE_REPORT_S seconds, POST a reading to /sensor on the server under the OSCORE
 *              context the enrollment set up (the development server has that resource)
 *
 * Each outcome is printed as one JSON line on the console. A power cut at any point leaves the old or the new
 * enrollment in NVS; the next boot goes on from there. The identity comes from NVS (provisioned: see
 * docs/app-developer.md), the server URI from menuconfig or, when that is empty, from the key store.
 *
 * Deliberately not here: a real sensor (the reading is the uptime), power saving, provisioning.
 */
#include <stdio.h>

#include "esp_log.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "nvs_flash.h"
#include "sdkconfig.h"

#include "est_client_esp32.h"
#include "network.h"

static const char *TAG = "sensor";
static est_client_t client; /* static: wasm3 keeps pointers into it */

static void on_done(void *ctx, const est_client_event_t *ev) {
  (void)ctx;
  static const char *const actions[] = {"none", "enrolled", "reenrolled", "renewed"};
  if (ev->op == EST_CLIENT_REQUEST)
    printf("{\"event\":\"reading\",\"status\":\"%s\",\"response\":\"%.*s\"}\n", est_status_name(ev->status),
           (int)(ev->response_len > 100 ? 100 : ev->response_len), (const char *)ev->response);
  else
    printf("{\"event\":\"maintain\",\"status\":\"%s\",\"action\":\"%s\",\"renew_at\":%ld}\n", est_status_name(ev->status),
           actions[ev->action], (long)ev->renew_at);
  fflush(stdout);
}

static void sensor_task(void *arg) {
  (void)arg;
  int readings = 0;
  int64_t next_maintain = 0, now;
  for (;;) {
    now = esp_timer_get_time() / 1000;
    if (now >= next_maintain) {
      est_client_run(&client, EST_CLIENT_MAINTAIN);
      next_maintain = esp_timer_get_time() / 1000 + 1000 * (int64_t)est_client_next_run_s(&client);
    }
    est_client_status_t s;
    if (est_client_status(&client, &s) == EST_OK && s.enrolled && !s.expired) {
      char reading[40];
      snprintf(reading, sizeof reading, "uptime=%lds", (long)(esp_timer_get_time() / 1000000));
      if (est_client_request(&client, EST_CLIENT_POST, "/sensor", reading, NULL, 0, NULL) == EST_OK) readings++;
    }
    if (CONFIG_EXAMPLE_READINGS > 0 && readings >= CONFIG_EXAMPLE_READINGS) break;
    now = esp_timer_get_time() / 1000;
    int64_t wait = 1000 * (int64_t)CONFIG_EXAMPLE_REPORT_S;
    if (next_maintain - now < wait) wait = next_maintain - now;
    if (wait > 0) vTaskDelay(pdMS_TO_TICKS(wait));
  }
  printf("{\"event\":\"done\",\"readings\":%d}\n", readings);
  fflush(stdout);
  vTaskDelete(NULL);
}

void app_main(void) {
  esp_err_t e = nvs_flash_init();
  if (e != ESP_OK) { ESP_LOGE(TAG, "nvs_flash_init: %s (the key store is in NVS)", esp_err_to_name(e)); return; }
  example_network_start();
  if (est_esp32_init(&client, on_done, NULL) != ESP_OK) return;
  /* The client runs in this one task: the C API is for one thread (est_client.h). */
  xTaskCreate(sensor_task, "sensor", CONFIG_EST_TASK_STACK, NULL, 5, NULL);
}
