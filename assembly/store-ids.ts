// Key-store record ids used by the module (0 .. STORE_MAX_ID of abi.ts). Provisioning tools write the same
// ids (tools/ mirror this list). Ranges: 0x0000-0x00ff device identity and configuration, 0x0100-0x01ff
// credentials and trust anchors, 0x0200-0x02ff OSCORE contexts and sequence-number records,
// 0xff00-0xffff reserved for tests and diagnostics.

/** Scratch record used by `selftest`; erased again before the command ends. */
export const STORE_ID_SELFTEST: u32 = 0xffff;

/** 32 bytes drawn from the DRBG at its last instantiation, mixed into the next one (crypto/drbg.ts). */
export const STORE_ID_DRBG_SEED: u32 = 0x0010;

/** OSCORE Sender Sequence Number limits (oscore/seq.ts): one record per security context, from this id on. */
export const STORE_ID_OSCORE_SEQ: u32 = 0x0200;
