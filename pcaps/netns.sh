# Private network namespace helpers, sourced (POSIX sh) by the capture makers
# (pcaps/make-captures.sh, pcaps/make-mtls-captures.sh, make-ocsp-captures.sh,
# pcaps/keylog/make-captures.sh) and the end-to-end tests that need real
# servers (tests/t_probe.sh, tests/t_live.sh):
#
#   . "$HERE/netns.sh"
#   netns_create tlsscope-foo-$$ || die "cannot create a network namespace"
#   trap 'netns_destroy' EXIT               # (inside the caller's own cleanup)
#   netns_loopback wire && netns_addrs 192.0.2.10 192.0.2.20
#   (cd www && exec ip netns exec "$NS" openssl s_server ...) >log 2>&1 &
#   netns_track $!; netns_wait_tcp 192.0.2.20 443 || die "did not listen"
#   netns_tcpdump_start lo raw.pcap td.log tcp || die "tcpdump: $(cat td.log)"
#   ...; netns_wait_gone $NETNS_PIDS; netns_tcpdump_stop || die "dropped"
#
# Every packet stays on the namespace's loopback. Only processes this script
# was given (netns_track) or started (tcpdump) are ever signalled, by PID:
# PIDs are not namespaced, so killing by name would hit other people's
# processes. Functions return non-zero instead of exiting, so each caller
# words its own error (and a test can skip where a maker dies).
#
# Background jobs are started by the caller with `ip netns exec` directly
# (never through a shell function such as nsx), so that $! is the process
# itself -- ip execs it -- and not a subshell that a signal would not reach.
#
# State (global, read by the caller): NS (the namespace's name), NETNS_PIDS
# (tracked background processes), NETNS_TD_PID (the running tcpdump).

NS=""
NETNS_PIDS=""
NETNS_TD_PID=""
NETNS_TD_LOG=""

# Each wait polls every 0.05 s for at most NETNS_TRIES times (5 s).
NETNS_TRIES=${NETNS_TRIES:-100}

# netns_create NAME: make the namespace (its loopback still down). NS is set
# only when it was made here, so netns_destroy never deletes another's.
netns_create() {
  ip netns add "$1" && NS=$1
}

# nsx COMMAND...: run COMMAND inside the namespace, in the foreground.
nsx() { ip netns exec "$NS" "$@"; }

# netns_loopback [wire]: bring lo up. With "wire", first make it look like an
# Ethernet link: MTU 1500, and GSO limited to one 1500-byte packet -- lo does
# TSO/GSO, and without the limit the kernel hands tcpdump 64 KiB "segments".
# A kernel that refuses the GSO limit only gets a warning.
netns_loopback() {
  if [ "${1:-}" = wire ]; then
    nsx ip link set lo mtu 1500 || return 1
    nsx ip link set lo gso_max_size 1500 gso_max_segs 1 \
      || echo "netns: could not limit GSO on lo; segments may exceed the MTU" >&2
  fi
  nsx ip link set lo up
}

# netns_addrs ADDR...: put each address on lo (/32, or /128 without DAD so
# an IPv6 address is usable at once).
netns_addrs() {
  for _nn_a in "$@"; do
    case "$_nn_a" in
      *:*) nsx ip -6 addr add "$_nn_a/128" dev lo nodad || return 1 ;;
      *) nsx ip addr add "$_nn_a/32" dev lo || return 1 ;;
    esac
  done
}

# netns_hosts < LINES: the namespace's own /etc/hosts (`ip netns exec` binds
# /etc/netns/NAME/hosts over /etc/hosts); removed by netns_destroy.
netns_hosts() {
  mkdir -p "/etc/netns/$NS" && cat >"/etc/netns/$NS/hosts"
}

# netns_track PID...: processes netns_destroy must stop.
netns_track() { NETNS_PIDS="$NETNS_PIDS $*"; }

# netns_wait_tcp ADDR PORT / netns_wait_udp ADDR PORT: until something
# listens on ADDR:PORT in the namespace (an IPv6 ADDR without brackets).
netns_wait_tcp() { _netns_wait_listen -Hltn "$1" "$2"; }
netns_wait_udp() { _netns_wait_listen -Hlun "$1" "$2"; }
_netns_wait_listen() {
  case "$2" in *:*) _nn_addr="[$2]" ;; *) _nn_addr=$2 ;; esac
  _nn_i=0
  until nsx ss "$1" "src $_nn_addr:$3" 2>/dev/null | grep -q .; do
    _nn_i=$((_nn_i + 1)); [ "$_nn_i" -le "$NETNS_TRIES" ] || return 1
    sleep 0.05
  done
}

# netns_wait_gone PID...: until each PID has exited by itself (a server that
# served its -naccept connections), collecting its status; untracks them.
# One still running after the wait is stopped and netns_wait_gone fails, so
# NETNS_GONE_STUCK names it.
netns_wait_gone() {
  NETNS_GONE_STUCK=""
  for _nn_p in "$@"; do
    _nn_i=0
    while kill -0 "$_nn_p" 2>/dev/null; do
      _nn_i=$((_nn_i + 1))
      if [ "$_nn_i" -gt "$NETNS_TRIES" ]; then
        kill "$_nn_p" 2>/dev/null || :; wait "$_nn_p" 2>/dev/null || :
        NETNS_GONE_STUCK=$_nn_p
        _netns_untrack "$@"
        return 1
      fi
      sleep 0.05
    done
    wait "$_nn_p" 2>/dev/null || :
  done
  _netns_untrack "$@"
}
_netns_untrack() {
  _nn_keep=""
  for _nn_p in $NETNS_PIDS; do
    case " $* " in *" $_nn_p "*) ;; *) _nn_keep="$_nn_keep $_nn_p" ;; esac
  done
  NETNS_PIDS=$_nn_keep
}

# netns_tcpdump_start IFACE FILE LOG [tcpdump-options...] FILTER: capture in
# the namespace until netns_tcpdump_stop; returns once tcpdump listens (fails
# when it died or did not start; LOG says why). `ip netns exec` execs
# tcpdump, so NETNS_TD_PID is tcpdump itself. With snaplen 262144 the default
# 2 MiB ring holds only 8 packets (and on lo every packet passes twice):
# -B 65536 (KiB) makes room for 256, so nothing is dropped.
netns_tcpdump_start() {
  _nn_if=$1 _nn_file=$2 NETNS_TD_LOG=$3
  shift 3
  # a log per capture: the background job's redirection may happen after we
  # start polling, so a reused log could still show the previous "listening"
  : >"$NETNS_TD_LOG"
  ip netns exec "$NS" tcpdump -Z root -i "$_nn_if" -U --immediate-mode -B 65536 -s 0 -w "$_nn_file" "$@" \
    >"$NETNS_TD_LOG" 2>&1 &
  NETNS_TD_PID=$!
  _nn_i=0
  until grep -q 'listening on' "$NETNS_TD_LOG"; do
    _nn_i=$((_nn_i + 1)); [ "$_nn_i" -le "$NETNS_TRIES" ] || return 1
    kill -0 "$NETNS_TD_PID" 2>/dev/null || return 1
    sleep 0.05
  done
}

# netns_tcpdump_stop: stop the capture (SIGINT, so tcpdump flushes and counts)
# after letting the last ACK of a FIN exchange arrive; fails when the kernel
# dropped a packet (the capture would be incomplete).
netns_tcpdump_stop() {
  sleep 0.1
  kill -INT "$NETNS_TD_PID" 2>/dev/null || :
  wait "$NETNS_TD_PID" 2>/dev/null || :
  NETNS_TD_PID=""
  grep -q '^0 packets dropped by kernel' "$NETNS_TD_LOG"
}

# netns_destroy: stop every tracked process and tcpdump (all signalled first,
# then all reaped), delete the namespace and its /etc/netns folder. For the
# caller's EXIT trap; safe to call twice and before netns_create.
netns_destroy() {
  for _nn_p in $NETNS_PIDS $NETNS_TD_PID; do kill "$_nn_p" 2>/dev/null || :; done
  for _nn_p in $NETNS_PIDS $NETNS_TD_PID; do wait "$_nn_p" 2>/dev/null || :; done
  NETNS_PIDS="" NETNS_TD_PID=""
  [ -n "$NS" ] || return 0
  ip netns del "$NS" 2>/dev/null || :
  rm -rf "/etc/netns/$NS"
}

# netns_maker_begin SCRATCH TOOL...: the prologue the capture makers share.
# Needs the caller's die(). Checks root and that every TOOL is on PATH, makes
# the scratch folder WORK (/tmp/tlsscope-SCRATCH.XXXXXX) and sets the EXIT
# trap: run NETNS_MAKER_EXTRA (a command string, for what else the maker has
# to undo), stop what was started and delete the namespace, then remove
# WORK -- kept, and named, when the maker failed or KEEP_WORK=1.
netns_maker_begin() {
  _nm_scratch=$1
  shift
  [ "$(id -u)" -eq 0 ] || die "must run as root (network namespace, tcpdump)"
  for _nm_t in "$@"; do
    command -v "$_nm_t" >/dev/null 2>&1 || die "missing tool: $_nm_t"
  done
  WORK=$(mktemp -d "/tmp/tlsscope-$_nm_scratch.XXXXXX")
  trap netns_maker_cleanup EXIT
  trap 'exit 130' INT TERM HUP
}

netns_maker_cleanup() {
  _nm_rc=$?
  set +e
  [ -z "${NETNS_MAKER_EXTRA:-}" ] || eval "$NETNS_MAKER_EXTRA"
  netns_destroy
  if [ "$_nm_rc" -ne 0 ] || [ "${KEEP_WORK:-0}" = 1 ]; then
    echo "scratch directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$_nm_rc"
}
