"""An aiocoap server as EDHOC Responder and OSCORE server, for interop tests of the module's EDHOC Initiator and
OSCORE client (test/interop-aiocoap.test.ts). EDHOC method 3, cipher suite 2, CCS credentials by reference (kid)
(aiocoap's EDHOC support runs on lakers); OSCORE as in RFC 9528 Appendix A.1; message_1 and message_3 on
POST /.well-known/edhoc (Appendix A.2), or message_3 in the first OSCORE request (RFC 9668).

  python aiocoap_server.py --config FILE [--host 127.0.0.1] [--port N] [-v]

FILE is JSON with hex strings:
  {"own_cred": CCS of the server, "own_key": its P-256 private scalar (32 bytes), "peer_cred": CCS of the one device}
A CCS is the map {2: subject, 8: {1: COSE_Key}} as the device stores it (tools/server/identity.ts `ccs`).

Resources, served only under OSCORE with the configured peer (anything else: 4.01):
  GET  /hello  a short text
  GET  /big    BIG_SIZE bytes of text (the response needs OSCORE inner Block2)
  POST /echo   the request payload
  POST /upload "received N bytes, sha256 HEX" of the request payload (for uploads larger than a response
               could carry back; the request needs OSCORE inner Block1)
Prints "listening PORT" on stdout once the server answers (port 0: a free port is picked).
"""
import argparse
import asyncio
import hashlib
import json
import logging
import socket
import sys

import cbor2

import aiocoap
import aiocoap.resource as resource
from aiocoap import credentials, edhoc, oscore_sitewrapper

HELLO = "hello from aiocoap"
BIG_SIZE = 3000


def big_text() -> bytes:
    """Deterministic printable text of BIG_SIZE bytes: numbered lines, so a lost or repeated block shows."""
    out = bytearray()
    i = 0
    while len(out) < BIG_SIZE:
        out += f"line {i:04d} of the big resource\n".encode()
        i += 1
    return bytes(out[:BIG_SIZE])


def require_oscore(request) -> None:
    """Refuse requests that did not come through an EDHOC-derived OSCORE context."""
    claims = getattr(request.remote, "authenticated_claims", None)
    if not claims:
        raise aiocoap.error.Unauthorized("OSCORE required")


class Hello(resource.Resource):
    async def render_get(self, request):
        require_oscore(request)
        return aiocoap.Message(payload=HELLO.encode(), content_format=0)


class Big(resource.Resource):
    async def render_get(self, request):
        require_oscore(request)
        return aiocoap.Message(payload=big_text(), content_format=0)


class Echo(resource.Resource):
    async def render_post(self, request):
        require_oscore(request)
        return aiocoap.Message(code=aiocoap.CHANGED, payload=request.payload, content_format=0)


class Upload(resource.Resource):
    async def render_post(self, request):
        require_oscore(request)
        body = request.payload
        text = f"received {len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()}\n"
        return aiocoap.Message(code=aiocoap.CHANGED, payload=text.encode(), content_format=0)


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def edhoc_credentials(cfg: dict) -> edhoc.EdhocCredentials:
    own_cred = cbor2.loads(bytes.fromhex(cfg["own_cred"]))
    peer_cred = cbor2.loads(bytes.fromhex(cfg["peer_cred"]))
    # aiocoap hands lakers the canonical encoding of the CCS, so the device's record must be canonical too.
    for name, c in (("own_cred", own_cred), ("peer_cred", peer_cred)):
        if cbor2.dumps(c, canonical=True) != bytes.fromhex(cfg[name]):
            raise SystemExit(f"{name} is not in canonical CBOR; the two sides would hash different CRED bytes")
    return edhoc.EdhocCredentials(
        suite=2,
        method=3,
        own_cred_style="by-key-id",
        own_cred={14: own_cred},  # 14: kccs (RFC 9528 §3.5.2 / RFC 8392 cnf), the form aiocoap expects
        private_key={1: 2, -1: 1, -4: bytes.fromhex(cfg["own_key"])},
        peer_cred={14: peer_cred},
        use_combined_edhoc=None,
    )


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")

    with open(args.config) as f:
        cfg = json.load(f)
    port = args.port or free_port(args.host)
    creds = edhoc_credentials(cfg)

    server_credentials = credentials.CredentialsMap()
    # aiocoap finds its EDHOC identity by the request's origin ("coap://HOST:PORT/*", HOST as the request
    # names it: Uri-Host, else the address the datagram came to).
    for name in (args.host, "localhost"):
        server_credentials[f"coap://{name}:{port}/*"] = creds

    site = resource.Site()
    site.add_resource([".well-known", "core"], resource.WKCResource(site.get_resources_as_linkheader))
    site.add_resource(["hello"], Hello())
    site.add_resource(["big"], Big())
    site.add_resource(["echo"], Echo())
    site.add_resource(["upload"], Upload())
    wrapped = oscore_sitewrapper.OscoreSiteWrapper(site, server_credentials)

    await aiocoap.Context.create_server_context(wrapped, bind=(args.host, port), transports=["udp6"])
    print(f"listening {port}", flush=True)
    await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
