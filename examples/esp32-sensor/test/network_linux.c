/* network_linux.c - the example's network on Linux (tools/build-esp32-linux.sh): the host's network is up and
 * its clock set already, so there is nothing to start. */
#include "network.h"
void example_network_start(void) {}
