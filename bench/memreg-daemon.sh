#!/bin/bash
# SPDX-License-Identifier: MIT
# mem_per_reg as the daemon pays it: COUNT registrations in a data dir's
# store (bench/memreg_fill, through the store API), nutss-pboxd started on
# it and on an empty store with the same options, and
#   (VmRSS with COUNT loaded - VmRSS empty) / COUNT
# once each daemon has logged that it is up (so the bindings are loaded and
# the store is closed again). Loopback only; both daemons are stopped by PID.
#
#   bench/memreg-daemon.sh BUILD_DIR [COUNT] [OUT_DIR]
#
# Last line: memreg-daemon: ... mem_per_reg=<B>B
set -u
B=$(cd "${1:-build/release}" && pwd)
count=${2:-1000000}
out=${3:-}
tmp=$(mktemp -d /tmp/nutss-memreg.XXXXXX) || exit 1
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		sleep 1
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' TERM INT
die() { echo "memreg-daemon: $*" >&2; exit 1; }

# rss NAME DATA_DIR PORT: start the daemon, wait (bounded) until it is up,
# print its VmRSS in KiB and how many bindings it restored, stop it
rss() {
	local log=$tmp/$1.log kib loaded i
	"$B/nutss-pboxd" --domain bench.example --data-dir "$2" --listen "udp:127.0.0.1:$3" \
		--workers 2 --auth off --log-level info 2>"$log" >&2 &
	pid=$!
	for ((i = 0; i < 3000; i++)); do	# 300 s: loading 1M takes ~10 s here
		grep -q ' up: ' "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q ' up: ' "$log" || { cat "$log" >&2; die "$1: daemon not up"; }
	sleep 1	# let the workers settle
	kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	loaded=$(sed -n 's/.* \([0-9]*\) registration(s) restored.*/\1/p' "$log" | tail -1)
	kill -TERM "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	[ -n "$out" ] && cp "$log" "$out/memreg-daemon-$1.log"
	echo "$kib ${loaded:-0}"
}

mkdir -p "$tmp/full" "$tmp/empty"
t0=$(date +%s.%N)
"$B/bench/memreg_fill" "$tmp/full" "$count" >&2 || die "memreg_fill failed"
t1=$(date +%s.%N)
read -r rss0 n0 < <(rss empty "$tmp/empty" 25091) || exit 1
read -r rss1 n1 < <(rss full "$tmp/full" 25092) || exit 1
[ -n "$rss0" ] && [ -n "$rss1" ] || die "no VmRSS read"
[ "$n1" = "$count" ] || die "the daemon restored $n1 of $count bindings"
db=$(du -k "$tmp/full/nutss.db" | cut -f1)
echo "memreg-daemon: count=$count fill_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') db=${db}KiB" \
	"rss_empty=${rss0}KiB rss_loaded=${rss1}KiB" \
	"mem_per_reg=$(( (rss1 - rss0) * 1024 / count ))B"
