#!/bin/sh
# The real binary on a real terminal (tmux), asserting on what a person sees:
# open the Expressway capture with its store, show failed connections, open
# the self-signed TFTP connection (6972, cucm-EC.steven.lab), read code 18
# and the advice, open the certificate, export it with `e` and compare the
# file with the certificate tshark finds in the capture; overwrite
# protection; a typed file name; the chain; resizing; Ctrl-C; NO_COLOR; an
# Expressway bundle walked from the Log view to the connection; a log alone.
set -eu
: "${TLSSCOPE:?}" "${TLSSCOPE_SRC:?}"
for tool in tmux tshark openssl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
done
src=$TLSSCOPE_SRC
tmp=$(mktemp -d)
tmp_real=$(cd "$tmp" && pwd -P) # the export messages name the full path
sock="tlsscope-t-$$"
T() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
    T kill-server 2>/dev/null || true
    ip netns del "tlsscope-tui-$$" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() {
    echo "FAIL: $*"
    echo "--- screen:"
    T capture-pane -p -t "$session" 2>/dev/null || true
    exit 1
}
screen() { T capture-pane -p -t "$session"; }
# wait_for TEXT: poll the screen for TEXT for up to 15 s
wait_for() {
    i=0
    while [ $i -lt 150 ]; do
        if screen | grep -qF -- "$1"; then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    fail "'$1' never appeared"
}
wait_gone() {
    i=0
    while [ $i -lt 150 ]; do
        if ! screen | grep -qF -- "$1"; then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    fail "'$1' did not go away"
}
# start NAME COLS ROWS 'ENV' 'OPTIONS': run the browser in a new tmux session
start() {
    session=$1
    T new-session -d -s "$session" -x "$2" -y "$3" -c "$tmp" \
        "env TERM=tmux-256color LC_ALL=C.UTF-8 TZ=UTC ${4:-} '$TLSSCOPE' ${5:-} -r '$src/pcaps/expressway.pcapng' --trust '$src/pcaps/expressway-store.pem'; echo exit=\$? > '$tmp/rc.$session'; sleep 600"
}
wait_exit() {
    i=0
    while [ $i -lt 150 ] && [ ! -s "$tmp/rc.$1" ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -s "$tmp/rc.$1" ] || fail "the browser did not exit"
    cat "$tmp/rc.$1"
}
der_of_pem() { openssl x509 -in "$1" -outform der | od -An -v -tx1 | tr -d ' \n'; }

# the certificate the server on 6972 sent to client port 41002, from tshark
want=$(tshark -r "$src/pcaps/expressway.pcapng" -Y 'tcp.srcport==6972 && tcp.dstport==41002 && tls.handshake.type==11' \
    -T fields -e tls.handshake.certificate 2>/dev/null | head -1 | tr -d ':\n' | tr 'A-F' 'a-f')
[ ${#want} -gt 1000 ] || { echo "FAIL: tshark found no certificate on 6972"; exit 1; }
name=cucm-EC.steven.lab_37a522826e050769.pem

start main 120 40
wait_for "7 conns: 4 FAIL, 1 n/j, 2 OK"
screen | grep -q "10.48.36.215:6972 .*cucm.steven.lab .*FAIL 18@0 self signed certificate" ||
    fail "the 6972 row with its verdict is not on the first screen"

# failed only: 4 rows, none OK
T send-keys -t main f
wait_for "filter: failed"
[ "$(screen | grep -c ' FAIL ')" -eq 4 ] || fail "expected 4 failed rows"
! screen | grep -qE '^[0-9]+ .* OK *$' || fail "a trusted row is still shown under filter: failed"

# the TFTP connection on 6972: search, open
T send-keys -t main / 6972 Enter
wait_for "search: 6972"
T send-keys -t main Enter
wait_for "Connection #2"
wait_for "Verdict        FAIL 18@0 self signed certificate"
wait_for "Action=Terminate"
wait_for "Upload this certificate"
screen | grep -q "depth=0" || fail "the Expressway log line lacks depth=0"
screen | grep -q "sent#0 CN=cucm-EC.steven.lab .*FAIL: self signed certificate" ||
    fail "the chain does not mark the failing certificate"

# the certificate (Enter on the chain line the cursor starts on)
T send-keys -t main Enter
wait_for "Certificate CN=cucm-EC.steven.lab"
wait_for "SHA-256        37:a5:22:82"
wait_for "Self-signed    yes"

# export with the proposed name
T send-keys -t main e
wait_for "Export certificate to: $name"
T send-keys -t main Enter
wait_for "wrote $tmp_real/$name"
[ -f "$tmp/$name" ] || fail "$name was not written"
[ "$(der_of_pem "$tmp/$name")" = "$want" ] || fail "the exported PEM is not the certificate in the capture"

# the same name again: asked, refused, file unchanged
before=$(cksum <"$tmp/$name")
T send-keys -t main e
wait_for "Export certificate to:"
T send-keys -t main Enter
wait_for "Overwrite? (y/N)"
T send-keys -t main n
wait_for "not overwritten"
[ "$(cksum <"$tmp/$name")" = "$before" ] || fail "the file changed although overwrite was refused"

# a typed name (^U clears the proposal)
T send-keys -t main e
wait_for "Export certificate to:"
T send-keys -t main C-u typed.pem Enter
wait_for "wrote $tmp_real/typed.pem"
[ "$(der_of_pem "$tmp/typed.pem")" = "$want" ] || fail "typed.pem is not the certificate"

# the chain into one file
T send-keys -t main E
wait_for "Export chain (1 certificate) to: cucm-EC.steven.lab_37a522826e050769_chain.pem"
T send-keys -t main Enter
wait_for "wrote $tmp_real/cucm-EC.steven.lab_37a522826e050769_chain.pem (1 certificate)"
[ "$(grep -c 'BEGIN CERTIFICATE' "$tmp/cucm-EC.steven.lab_37a522826e050769_chain.pem")" -eq 1 ] ||
    fail "the chain file should hold exactly the one certificate"

# resize: nothing wider than the window, the answer still readable
T resize-window -t main -x 60 -y 20
wait_for "lines 1-"
sleep 0.3
[ "$(screen | wc -L)" -le 60 ] || fail "a line is wider than 60 columns after the resize"
T send-keys -t main q
wait_for "[Connection #2]"
screen | grep -q "Verdict        FAIL 18@0 self signed certificate" || fail "verdict line lost at 60 columns"
T send-keys -t main q
wait_for "[Connections] 1/4"
screen | grep -q "FAIL 18@0" || fail "the list lost its verdicts at 60 columns"
[ "$(screen | wc -L)" -le 60 ] || fail "a list line is wider than 60 columns"
T resize-window -t main -x 120 -y 40
wait_for "SERVER            SNI"

# Ctrl-C when nothing is loading quits; exit status 1 (failures seen)
T send-keys -t main C-c
[ "$(wait_exit main)" = "exit=1" ] || fail "exit status after Ctrl-C is not 1"

# colour: on by default on this terminal, off with NO_COLOR; markers stay
colour_sgr='\[[0-9;]*(3[1-7]|4[1-7]|38;5;[0-9]+)m'
start colour 120 20
wait_for "7 conns"
T capture-pane -e -p -t colour | grep -qE "$colour_sgr" || fail "no colour without NO_COLOR (the check below would prove nothing)"
T send-keys -t colour Q
[ "$(wait_exit colour)" = "exit=1" ] || fail "exit status after Q is not 1"

for how in NO_COLOR=1 --color=never; do
    case $how in
    NO_COLOR=*) start mono 120 20 "$how" "" ;;
    *) start mono 120 20 "" "$how" ;;
    esac
    wait_for "7 conns"
    if T capture-pane -e -p -t mono | grep -qE "$colour_sgr"; then fail "colour escape sequences with $how"; fi
    T capture-pane -e -p -t mono | grep -q "$(printf '\033')\[[0-9;]*7m" ||
        fail "the title bar is not in reverse video without colour ($how)"
    screen_mono=$(T capture-pane -p -t mono)
    echo "$screen_mono" | grep -q "FAIL 18@0 self signed certificate" || fail "FAIL marker missing ($how)"
    echo "$screen_mono" | grep -qE '^[0-9]+ .* OK *$' || fail "OK marker missing ($how)"
    echo "$screen_mono" | grep -q "n/j TLS 1.3" || fail "n/j marker missing ($how)"
    T send-keys -t mono Q
    wait_exit mono >/dev/null
    rm -f "$tmp/rc.mono"
    T kill-session -t mono
done
# a capture piped in: still the browser (keys from /dev/tty)
T new-session -d -s pipe -x 100 -y 16 -c "$tmp" \
    "cat '$src/pcaps/expressway.pcapng' | env TERM=tmux-256color LC_ALL=C.UTF-8 TZ=UTC '$TLSSCOPE' -r - --trust '$src/pcaps/expressway-store.pem'; echo exit=\$? > '$tmp/rc.pipe'; sleep 600"
session=pipe
wait_for "<stdin>"
wait_for "7 conns: 4 FAIL, 1 n/j, 2 OK"
T send-keys -t pipe f
wait_for "filter: failed"
T send-keys -t pipe Q
[ "$(wait_exit pipe)" = "exit=1" ] || fail "exit status of the piped run is not 1"

# Live capture, Ctrl-C: the status bar says the capture stopped at once,
# without waiting for a key. On the loopback of a private network namespace
# (root only; nothing is sent anywhere).
NS=tlsscope-tui-$$
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null 2>&1 && ip netns add "$NS" 2>/dev/null; then
    ip -n "$NS" link set lo up
    T new-session -d -s live -x 100 -y 16 -c "$tmp" \
        "ip netns exec $NS env TERM=tmux-256color LC_ALL=C.UTF-8 TZ=UTC '$TLSSCOPE' --tui -i lo --trust '$src/pcaps/expressway-store.pem'; echo exit=\$? > '$tmp/rc.live'; sleep 600"
    session=live
    wait_for "q:stop"
    T send-keys -t live C-c
    wait_for "loading stopped"
    screen | grep -q "q:stop" && fail "the status bar still offers q:stop after Ctrl-C"
    T send-keys -t live Q
    wait_exit live >/dev/null
    T kill-session -t live
    ip netns del "$NS"
    session=main
else
    echo "note: live browser Ctrl-C case skipped (needs root and network namespaces)"
fi

# An Expressway diagnostic bundle (capture + log, assembled as in README):
# Tab to the Log view, Enter on the 6972 failure: connection #2, code 18,
# and the log line beside tlsscope's; back to the Log view on the same row.
mkdir -p "$tmp/b/diag"
cp "$src/pcaps/expressway.pcapng" "$tmp/b/diag/vcsc_eth0_tcpdump"
cp "$src/tests/bundles/loggingsnapshot_vcsc_20220711.txt" "$tmp/b/diag/"
(cd "$tmp/b" && tar czf "$tmp/diag.tar.gz" diag)
T new-session -d -s bundle -x 120 -y 45 -c "$tmp" \
    "env TERM=tmux-256color LC_ALL=C.UTF-8 TZ=UTC '$TLSSCOPE' --trust '$src/pcaps/expressway-store.pem' diag.tar.gz; echo exit=\$? > '$tmp/rc.bundle'; sleep 600"
session=bundle
wait_for "7 conns: 4 FAIL, 1 n/j, 2 OK; log: 4 TLS failures"
T send-keys -t bundle Tab
wait_for "[Servers]"
T send-keys -t bundle Tab
wait_for "[Log] 1/6"
screen | grep -q "cucm.steven.lab(10.48.36.215):6972 .*18@0 self signed certificate .*#2 agree" ||
    fail "the 6972 failure is not the first Log row, matched to #2"
screen | grep -q "cucm2.steven.lab(10.48.36.218):8443 .*none: 10.48.36.218" ||
    fail "the failure without a connection does not say so"
T capture-pane -e -p -t bundle | grep -qE "$colour_sgr#2 agree" || fail "the agree marker is not coloured"
T send-keys -t bundle Enter
wait_for "[Connection #2]"
wait_for "Verdict        FAIL 18@0 self signed certificate"
wait_for "Expressway log"
wait_for "Agrees         yes: the same line"
screen | grep -q "Offset         log +0.3 ms from the server's Certificate message" ||
    fail "the log section lacks the time offset"
T send-keys -t bundle q
wait_for "[Log] 1/6"
T send-keys -t bundle Q
[ "$(wait_exit bundle)" = "exit=1" ] || fail "exit status of the bundle run is not 1"

# The log alone on a terminal: the browser on its Log view (NO_COLOR: the
# markers carry it); -b on the same terminal: the log-only report.
cp "$src/tests/bundles/loggingsnapshot_vcsc_20220711.txt" "$tmp/expressway.log"
T new-session -d -s logonly -x 100 -y 20 -c "$tmp" \
    "env TERM=tmux-256color LC_ALL=C.UTF-8 TZ=UTC NO_COLOR=1 '$TLSSCOPE' --log expressway.log; echo exit=\$? > '$tmp/rc.logonly'; sleep 600"
session=logonly
wait_for "[Log] 1/4  4 failures, 7 requests (no capture)"
if T capture-pane -e -p -t logonly | grep -qE "$colour_sgr"; then fail "colour with NO_COLOR in the Log view"; fi
T send-keys -t logonly Enter
wait_for "Error          self signed certificate at depth 0 (the leaf; OpenSSL code 18)"
T send-keys -t logonly End
wait_for "no capture given"
T send-keys -t logonly Q
[ "$(wait_exit logonly)" = "exit=1" ] || fail "exit status of the log-only browser is not 1"
T new-session -d -s logbatch -x 100 -y 20 -c "$tmp" \
    "env TERM=tmux-256color LC_ALL=C.UTF-8 TZ=UTC '$TLSSCOPE' -b --log expressway.log; echo exit=\$? > '$tmp/rc.logbatch'; sleep 600"
session=logbatch
[ "$(wait_exit logbatch)" = "exit=1" ] || fail "exit status of the log-only report is not 1"
T capture-pane -p -S - -t logbatch | grep -q "servers fail TLS verification according to the log" ||
    fail "-b on a terminal did not give the log-only report"

echo "tmux browser checks passed"
