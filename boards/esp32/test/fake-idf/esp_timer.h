/* Stand-in for ESP-IDF's esp_timer.h (Linux build: CLOCK_MONOTONIC). */
#pragma once
#include <stdint.h>
int64_t esp_timer_get_time(void);
