/* Stand-in for ESP-IDF's esp_log.h (Linux build): lines to stderr with ESP-IDF's level letters. */
#pragma once
#include <stdio.h>
#define ESP_LOG_LINE(letter, tag, fmt, ...) fprintf(stderr, letter " (%s) " fmt "\n", tag, ##__VA_ARGS__)
#define ESP_LOGE(tag, fmt, ...) ESP_LOG_LINE("E", tag, fmt, ##__VA_ARGS__)
#define ESP_LOGW(tag, fmt, ...) ESP_LOG_LINE("W", tag, fmt, ##__VA_ARGS__)
#define ESP_LOGI(tag, fmt, ...) ESP_LOG_LINE("I", tag, fmt, ##__VA_ARGS__)
#define ESP_LOGD(tag, fmt, ...) ESP_LOG_LINE("D", tag, fmt, ##__VA_ARGS__)
