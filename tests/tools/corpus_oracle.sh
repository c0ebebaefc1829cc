#!/bin/sh
# Regenerates tests/corpus/tshark_oracle/*.tsv: what tshark reads from each
# corpus capture, one line per frame with a handshake message or alert (the
# header names the fields; several values joined with '|').
#
# Out-of-order reassembly is on: tshark 4.0's default drops a TCP segment
# that arrives before the bytes in front of it, and with it every handshake
# message in that stream (hrr.pcap's real ServerHello, the PostgreSQL
# captures' certificates), where tlsscope rightly reassembles them (issue 15).
# The decode-as column of INDEX.tsv names TLS on ports tshark does not
# recognise by itself.
#
# Usage: tests/tools/corpus_oracle.sh [CORPUS_DIR]   (default tests/corpus)
# Needs tshark (Debian 12: 4.0.17, the version the committed files come from).
set -eu
corpus=${1:-tests/corpus}
fields="frame.number tcp.stream udp.stream ip.src ipv6.src tcp.srcport udp.srcport ip.dst
ipv6.dst tcp.dstport udp.dstport tls.record.version tls.handshake.type tls.handshake.version
tls.handshake.extensions.supported_version tls.handshake.extensions_server_name
tls.handshake.ciphersuite tls.handshake.certificate_length x509ce.dNSName x509sat.uTF8String
x509sat.printableString tls.alert_message.desc tls.handshake.ja3 tls.handshake.ja3s
tls.handshake.extensions_alpn_str dtls.record.version dtls.handshake.type dtls.handshake.version
dtls.handshake.extensions_server_name dtls.handshake.ciphersuite dtls.handshake.certificate_length
dtls.alert_message.desc frame.protocols"
eargs=""
for f in $fields; do eargs="$eargs -e $f"; done
# Frames with a handshake message (an SSLv2-compatible hello has only
# tls.handshake.type, an encrypted Finished only tls.handshake) or an alert.
filter="tls.handshake or tls.handshake.type or tls.alert_message or dtls.handshake or dtls.handshake.type or dtls.alert_message"

# INDEX.tsv columns by name: path, tshark_decode_as, oracle_file.
awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
            $c["oracle_file"] != "" { print $c["path"] "|" $c["tshark_decode_as"] "|" $c["oracle_file"] }' \
    "$corpus/INDEX.tsv" |
while IFS='|' read -r path decode_as oracle; do
    set -- -o tcp.reassemble_out_of_order:TRUE
    [ -z "$decode_as" ] || set -- "$@" -d "$decode_as"
    # shellcheck disable=SC2086 # eargs is a list of -e FIELD pairs
    tshark -n -r "$corpus/$path" "$@" -Y "$filter" -T fields -E header=y -E separator=/t \
        -E occurrence=a -E aggregator='|' $eargs 2>/dev/null | sed '1s/^/#/' > "$corpus/$oracle.tmp"
    mv "$corpus/$oracle.tmp" "$corpus/$oracle"
done
