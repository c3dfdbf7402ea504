/* Stand-in for FreeRTOS's task.h (Linux build): a task is a thread; vTaskDelay sleeps; app_linux.c waits for
 * every task to end. */
#pragma once
#include "freertos/FreeRTOS.h"
BaseType_t xTaskCreate(void (*fn)(void *), const char *name, uint32_t stack, void *arg, UBaseType_t prio, TaskHandle_t *out);
void vTaskDelete(TaskHandle_t t);
void vTaskDelay(TickType_t ticks);
UBaseType_t uxTaskGetStackHighWaterMark(TaskHandle_t t);
/** Linux only: wait until every task created so far has ended. */
void fake_tasks_join(void);
