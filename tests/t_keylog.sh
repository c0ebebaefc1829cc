#!/bin/sh
# TLS 1.3 captures with key logs (pcaps/keylog/): decrypted and judged as
# pcaps/keylog/expected.tsv says, every chain the same as tshark's with the
# same key log; a wrong key log gives no chain and says why.
exec python3 "$TLSSCOPE_SRC/tests/keylog_check.py" "$TLSSCOPE" "$TLSSCOPE_SRC/pcaps/keylog"
