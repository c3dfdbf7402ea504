/*
 * est_client_esp32.h - the EST-oscore client in an ESP-IDF application: the firmware C API (est_client.h)
 * configured from menuconfig ("EST-oscore client": server URI, key-store namespace, renewal threshold,
 * memory limits, module source), the system clock as its time source, and a FreeRTOS task for its life cycle.
 *
 * What the application provides: nvs_flash_init() before est_esp32_init(), a network (Wi-Fi or Ethernet with
 * an IP address) before the first operation, and the time (SNTP, esp_sntp) for renewals: until the system
 * clock is set, the life cycle only enrolls a device that is not enrolled (est_client.h, "Time").
 *
 * Deliberately not here: Wi-Fi, SNTP and provisioning (the application's, see examples/esp32-sensor).
 */
#ifndef EST_CLIENT_ESP32_H
#define EST_CLIENT_ESP32_H

#include "esp_err.h"
#include "est_client.h"

/** Load the module (embedded, or the "module" partition) and configure c from menuconfig; the server URI
 *  from CONFIG_EST_SERVER_URI, or the key store's when it is empty. on_done and ctx go to the config.
 *  ESP_ERR_NOT_FOUND: no module or no server URI; ESP_FAIL: the module does not load (logged). */
esp_err_t est_esp32_init(est_client_t *c, est_client_done_fn on_done, void *ctx);

/** The system clock as the life cycle's time source: seconds since 1970, or -1 before it was set (any time
 *  before 2021 counts as not set). */
int64_t est_esp32_time_now(void *ctx);

/** Run est_client_task (maintain, sleep until the renewal time, again) in a FreeRTOS task of
 *  CONFIG_EST_TASK_STACK bytes at the given priority. ESP_ERR_NO_MEM when the task cannot be created. */
esp_err_t est_esp32_start_task(est_client_t *c, unsigned priority);

#endif
