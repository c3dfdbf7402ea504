/* Stand-in for the sdkconfig.h an ESP-IDF build generates (Linux build): the component's menuconfig
 * defaults (components/est_client/Kconfig), the module from the "module" partition (esp_partition.h below),
 * and what the example asks for. A build may override any of them with -D. */
#pragma once
#ifndef CONFIG_EST_SERVER_URI
#define CONFIG_EST_SERVER_URI ""
#endif
#define CONFIG_EST_NVS_NAMESPACE "est"
#ifndef CONFIG_EST_RENEW_PERCENT
#define CONFIG_EST_RENEW_PERCENT 0
#endif
#define CONFIG_EST_WASM_STACK 8192
#define CONFIG_EST_MEMORY_BYTES 49152
#define CONFIG_EST_CODE_CACHE_BYTES 2048
#define CONFIG_EST_TASK_STACK 24576
#define CONFIG_EST_MODULE_PARTITION 1
#ifndef CONFIG_EXAMPLE_REPORT_S
#define CONFIG_EXAMPLE_REPORT_S 2
#endif
#ifndef CONFIG_EXAMPLE_READINGS
#define CONFIG_EXAMPLE_READINGS 0
#endif
