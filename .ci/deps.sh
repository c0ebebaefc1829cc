#!/bin/sh
# Install what tlsscope needs from Debian 12 packages.
#   sh .ci/deps.sh build   - to build
#   sh .ci/deps.sh test    - to build and run the whole test suite
# As root, missing packages are installed with apt-get; otherwise the exact
# apt-get line is printed and the script fails.
set -eu

BUILD_PKGS="cmake gcc make pkg-config libpcap-dev libmbedtls-dev libncurses-dev zlib1g-dev libarchive-dev"
# ngtcp2-client/-server: the real QUIC stack pcaps/keylog/make-captures.sh records
TEST_PKGS="tcpdump tshark tmux openssl iproute2 python3 clang libclang-rt-14-dev ngtcp2-client ngtcp2-server"

case "${1:-build}" in
  build) want="$BUILD_PKGS" ;;
  test)  want="$BUILD_PKGS $TEST_PKGS" ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "tlsscope needs these Debian packages:$missing" >&2
  echo "run:  sudo apt-get install -y$missing" >&2
  exit 1
fi

echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when an install from the current ones fails.
# shellcheck disable=SC2086
if ! apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; then
  apt-get update -q >/dev/null
  apt-get install -y --no-install-recommends $missing
fi
