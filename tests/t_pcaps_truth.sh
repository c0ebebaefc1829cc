#!/bin/sh
# The committed test captures still show what pcaps/expected.tsv says they
# show (read by tshark and openssl alone, independent of tlsscope).
exec sh "$TLSSCOPE_SRC/pcaps/check-captures.sh"
