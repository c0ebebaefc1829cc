#!/bin/sh
# Inputs of the Log view's golden screens, made at test time into $1 (the
# browser sees them as gen/...):
#   diagnostic_log_vcsc.tar.gz  the demo bundle, assembled as tests/t_bundles.sh
#                               and the README do it: pcaps/expressway.pcapng
#                               as diag/vcsc_eth0_tcpdump + the diagnostic log
#   loggingsnapshot.txt         the log alone (-r capture --log, --log only)
#   skew.txt                    the log with its clock 60 s ahead: nothing pairs
#   disagree.txt                the IM&P failure logged otherwise than predicted
#   hostile-log.txt             a log whose names, paths, ids and errors carry
#                               escape sequences, C1 controls, a bidi override
#                               and a bare CR: all must come out escaped
set -eu
: "${TLSSCOPE_SRC:?}"
out=$1
src=$TLSSCOPE_SRC
log=$src/tests/bundles/loggingsnapshot_vcsc_20220711.txt
mkdir -p "$out/b/diag"
cp "$src/pcaps/expressway.pcapng" "$out/b/diag/vcsc_eth0_tcpdump"
cp "$log" "$out/b/diag/loggingsnapshot_vcsc_20220711.txt"
(cd "$out/b" && tar --sort=name --mtime=@1657558525 --owner=0 --group=0 --numeric-owner \
    -cf - diag) | gzip -9n >"$out/diagnostic_log_vcsc.tar.gz"
rm -rf "$out/b"
cp "$log" "$out/loggingsnapshot.txt"
sed 's/T18:55:/T18:56:/' "$log" >"$out/skew.txt"
# the IM&P failure logged at depth 0 with another error: tlsscope disagrees
# (as tests/t_bundles.sh makes it)
sed -e 's/server=imp.steven.lab(10.48.36.216) depth=1/server=imp.steven.lab(10.48.36.216) depth=0/' \
    -e 's/Error=self signed$/Error=unable to get local issuer/' "$log" >"$out/disagree.txt"

# printf octal escapes (POSIX): \033 ESC, \007 BEL, \233 C1 CSI, \015 CR,
# \342\200\256 U+202E RIGHT-TO-LEFT OVERRIDE
h='2022-07-11T18:55:25.9%s+02:00 vcsc traffic_server[18242]: '
u='UTCTime="2022-07-11 16:55:25,9%s" Module="network.http.trafficserver" Level="INFO": '
{
    # shellcheck disable=SC2059
    printf "$h$u"'Detail="Receive Request" Txn-id="191\033[31m" TrackingID="bb0c\033]0;owned\007" Src-ip="127.0.0.1" Src-port="35766" Last-via-addr="" Msg="GET http://vcs_control.steven.lab:8443/c3RldmVuLmxhYi9odHRwcy9jdWNtLnN0ZXZlbi5sYWIvNjk3Mg/cucm-uds/user/e\033[2Jmusk\342\200\256lave/devices HTTP/1.1"\n' 15 15
    printf "$h$u"'Event="Request Allowed" Detail="Access allowed" Reason="In allow list" Username="e\033[2Jmusk\342\200\256lave" Method="GET" Request="https://cucm.steven.lab:6972/cucm-uds/user/e\033[2Jmusk\342\200\256lave/devices" Rule="https://cucm.steven.lab:6972/\23331m"\n' 16 16
    printf "$h$u"'Detail="Sending Request" Txn-id="191\033[31m" TrackingID="bb0c\033]0;owned\007" Dst-ip="10.48.36.215" Dst-port="6972" Msg="GET /cucm-uds/user/e\033[2Jmusk\342\200\256lave/devices HTTP/1.1"\n' 20 20
    printf "$h"'[ET_NET 0] WARNING: Core server certificate verification failed for (cucm\033[8m.steven.lab). Action=Terminate Error=self signed certificate\033[5m\015FAKE server=cucm.steven.lab(10.48.36.215) depth=0\n' 22
    printf "$h"'[ET_NET 0] ERROR: SSL connection failed for '"'"'cucm\033[8m.steven.lab'"'"': error:1416F086:SSL routines:tls_process_server_certificate:\033[1;31mcertificate verify failed\n' 22
    printf "$h$u"'Detail="Sending Response" Txn-id="191\033[31m" TrackingID="" Dst-ip="127.0.0.1" Dst-port="35766" Msg="HTTP/1.1 502 connect\033[Afailed"\n' 30 30
} >"$out/hostile-log.txt"
