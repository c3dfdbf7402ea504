/* network.h - what the example needs from the network before the client runs (network.c on ESP-IDF). */
#pragma once
/** Join the Wi-Fi network of menuconfig, wait for an address, and start SNTP (the system clock). */
void example_network_start(void);
