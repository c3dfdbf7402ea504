/* app_linux.c - an ESP-IDF application's app_main on Linux (tools/build-esp32-linux.sh): call it as the
 * ESP-IDF startup code would, then wait for its tasks (threads of the stand-in FreeRTOS) to end. The module
 * is the file named by EST_FAKE_MODULE (the "module" partition), the NVS contents the file named by
 * EST_FAKE_NVS (fake_idf.c). */
#include "freertos/task.h"
void app_main(void);
int main(void) {
  app_main();
  fake_tasks_join();
  return 0;
}
