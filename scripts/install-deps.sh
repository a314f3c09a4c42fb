#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the Debian packages that building, testing and benchmarking need.
# Idempotent: when everything is present it touches nothing and says nothing.
# Usage: scripts/install-deps.sh [build|test|bench]   (default: test)
set -e

build_pkgs="make gcc pkg-config libssl-dev libsqlite3-dev clang libbpf-dev bpftool nftables"
test_pkgs="$build_pkgs clang libclang-rt-14-dev python3 sqlite3 iproute2 sip-tester kamailio kamailio-sqlite-modules baresip-core bc libbpf-dev bpftool nftables curl socat netcat-openbsd openssh-client openssh-server libc6-dev binutils"
bench_pkgs="$test_pkgs libosip2-dev iperf3 fwknop-server fwknop-client iptables stunnel4"

case "${1:-test}" in
build) want=$build_pkgs ;;
test) want=$test_pkgs ;;
bench) want=$bench_pkgs ;;
*) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "missing Debian packages:$missing" >&2
	echo "run as root, or: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Kamailio's package tries to start its service; we always run it ourselves
# in the foreground, so keep the package scripts from starting anything.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
