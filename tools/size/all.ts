// Size probe: the runtime plus all three codecs together (CBOR, CoAP message, link-format).
export * from "./cbor";
export { probe_coap } from "./coap";
export { probe_link } from "./link";
