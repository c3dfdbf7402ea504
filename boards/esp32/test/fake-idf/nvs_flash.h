/* Stand-in for ESP-IDF's nvs_flash.h (Linux build). */
#pragma once
#include "esp_err.h"
esp_err_t nvs_flash_init(void);
