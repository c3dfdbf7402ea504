/* Stand-in for ESP-IDF's esp_random.h (Linux build: getrandom). */
#pragma once
#include <stddef.h>
void esp_fill_random(void *buf, size_t len);
