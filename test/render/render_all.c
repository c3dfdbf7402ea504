/* render_all.c - every message of the C hosts' table rendered by est_render_event(), one line each: "id<TAB>text".
 *
 * The records carry the id alone, so each placeholder renders as "?" and the line is the message's text as the
 * C table holds it (coded for flash, tools/gen-messages.ts) after expansion: test/render-sync.test.ts compares
 * it with the Node host's rendering of the same records. */
#include <stdio.h>

#include "est_abi.h"

/* No record here carries a value, so no status is ever named. */
const char *est_status_name(int32_t status) { (void)status; return "E_?"; }

int main(void) {
  char out[1024];
  for (uint32_t i = 0; i < est_messages_count; i++) {
    uint8_t rec[2] = {(uint8_t)est_messages[i].id, (uint8_t)(est_messages[i].id >> 8)};
    est_render_event(rec, sizeof rec, out, sizeof out);
    printf("%u\t%s\n", (unsigned)est_messages[i].id, out);
  }
  return 0;
}
