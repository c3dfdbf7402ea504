// One large scratch area for work that never overlaps: the module runs one command at a time, and these
// users belong to different commands. Sharing it keeps the module inside its two 64 KiB pages.
//   - the CoAP client's response reassembly buffer (coap, discover, and the protocol commands on top)
//   - the vector runner's result buffer (vector)
import { COAP_RESPONSE_CAPACITY } from "./config";

export const ARENA_CAPACITY: i32 = COAP_RESPONSE_CAPACITY;
export const arena = memory.data(ARENA_CAPACITY, 16);
