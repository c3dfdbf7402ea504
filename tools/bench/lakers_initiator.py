"""The EDHOC Initiator's share of a handshake with lakers-python (the openwsn-berkeley Rust implementation),
timed in CPU seconds, for tools/bench/edhoc-lakers.ts: method 3, cipher suite 2, CCS credentials by kid, the
identities of RFC 9529 trace 2, against a lakers Responder in the same process whose work is not counted.

  python lakers_initiator.py N I CRED_I R CRED_R  ->  one JSON line {"handshakes": N, "initiator_s": seconds}

Only prepare_message_1, parse_message_2, verify_message_2, prepare_message_3 (then completed_without_message_4)
and the two OSCORE exporter calls
are timed (time.process_time), as the module's Initiator does those steps.
"""
import json
import sys
import time

import lakers


def main() -> None:
    n = int(sys.argv[1])
    i, cred_i, r, cred_r = (bytes.fromhex(a) for a in sys.argv[2:6])
    spent = 0.0
    for _ in range(n):
        responder = lakers.EdhocResponder(r, cred_r)
        t0 = time.process_time()
        initiator = lakers.EdhocInitiator()
        message_1 = initiator.prepare_message_1(None, None)
        spent += time.process_time() - t0
        responder.process_message_1(message_1)
        message_2 = responder.prepare_message_2(lakers.CredentialTransfer.ByReference, None, None)
        t0 = time.process_time()
        _c_r, _id_cred_r, _ead_2 = initiator.parse_message_2(message_2)
        initiator.verify_message_2(i, cred_i, cred_r)
        message_3, _prk_out = initiator.prepare_message_3(lakers.CredentialTransfer.ByReference, None)
        initiator.completed_without_message_4()  # no message_4: OSCORE confirms the keys, as for the module
        initiator.edhoc_exporter(0, [], 16)
        initiator.edhoc_exporter(1, [], 8)
        spent += time.process_time() - t0
        responder.parse_message_3(message_3)
        responder.verify_message_3(cred_i)
    print(json.dumps({"handshakes": n, "initiator_s": spent}))


if __name__ == "__main__":
    main()
