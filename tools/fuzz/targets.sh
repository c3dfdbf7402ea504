#!/usr/bin/env bash
# The fuzz targets: exports fuzz_<name> of test/fuzz/entry.ts.
echo cbor coap link x509 pkcs7 pkcs8 edhoc_m2 oscore block edhoc_err multipart csrattrs store c509 c509_answer
