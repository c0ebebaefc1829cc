#!/bin/sh
# The certificate page fields and the OCSP staple against their oracles:
# tlsscope's JSON for pcaps/ocsp-staple.pcap equals pcaps/ocsp-expected.tsv
# (`openssl ocsp -resp_text`'s reading of each stapled response), tshark's
# reading of the responses on the wire (when tshark is there), and
# `openssl x509 -text`'s extension list of every certificate sent.
exec python3 "$TLSSCOPE_SRC/tests/ocsp_check.py" "$TLSSCOPE" "$TLSSCOPE_SRC"
