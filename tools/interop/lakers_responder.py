"""An EDHOC Responder built on lakers (lakers-python, the openwsn-berkeley Rust implementation), driven by
JSON lines on stdin, for interop tests of the module's Initiator. Method 3 (static DH both sides), cipher
suite 2, CCS credentials by reference (kid).

  {"r": hex, "cred_r": hex, "cred_i": hex}  -> configure            -> {"ok": true}
  {"message_1": hex}                        -> process, message_2   -> {"message_2": hex, "c_i": hex}
  {"message_3": hex}                        -> verify               -> {"prk_out": hex, "oscore_secret": hex,
                                                                        "oscore_salt": hex, "id_cred_i": hex}
Errors: {"error": text}. One handshake per configuration.
"""
import json
import sys

import lakers


def main() -> None:
    state = {}
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if "r" in req:
                state = {"r": bytes.fromhex(req["r"]), "cred_r": bytes.fromhex(req["cred_r"]),
                         "cred_i": bytes.fromhex(req["cred_i"])}
                state["responder"] = lakers.EdhocResponder(state["r"], state["cred_r"])
                out = {"ok": True}
            elif "message_1" in req:
                c_i, _ead_1 = state["responder"].process_message_1(bytes.fromhex(req["message_1"]))
                message_2 = state["responder"].prepare_message_2(lakers.CredentialTransfer.ByReference, None, None)
                out = {"message_2": bytes(message_2).hex(), "c_i": bytes([c_i]).hex() if isinstance(c_i, int) else bytes(c_i).hex()}
            elif "message_3" in req:
                id_cred_i, _ead_3 = state["responder"].parse_message_3(bytes.fromhex(req["message_3"]))
                prk_out = state["responder"].verify_message_3(state["cred_i"])
                state["responder"].completed_without_message_4()  # no message_4: OSCORE confirms the keys
                secret = state["responder"].edhoc_exporter(0, [], 16)
                salt = state["responder"].edhoc_exporter(1, [], 8)
                out = {"prk_out": bytes(prk_out).hex(), "oscore_secret": bytes(secret).hex(),
                       "oscore_salt": bytes(salt).hex(), "id_cred_i": bytes(id_cred_i).hex() if not isinstance(id_cred_i, int) else str(id_cred_i)}
            else:
                out = {"error": "unknown request"}
        except Exception as e:  # an interop test wants the reason, not a traceback
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
