// Entry of the portable device module (build/client.wasm): the device module of app/device.ts with the
// module's own crypto provider installed (crypto/soft.ts), used for every operation the board's provider lacks,
// so it runs on any board, with or without native crypto.
import "../crypto/soft";
export * from "./device";
