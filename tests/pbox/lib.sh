# SPDX-License-Identifier: MIT
# Shared by tests/pbox/test-*.sh and scripts/demo-pbox.sh (sourced, not run).
# The caller sets $tmp (a directory of its own) and $pboxd (the binary).
# Everything started goes into $pids and is stopped by PID at exit.

pids=()
pass=0
fail=0

pbox_cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}

ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }

# driver_counts LABEL OUT: a Python driver's PASS/FAIL lines from OUT, shown
# with LABEL in front and added to the counts; a driver that ran no check fails.
driver_counts() {
	sed "s/^\(PASS\|FAIL\) /\1 $1: /" "$2" | grep -v '^[0-9]* passed'
	pass=$((pass + $(grep -c '^PASS' "$2")))
	fail=$((fail + $(grep -c '^FAIL' "$2")))
	grep -q '^PASS' "$2" || ko "$1: driver ran no checks"
}

# A UDP port nobody uses on 127.0.0.1 right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# pbox_start LOG PORT ARGS...: the daemon in the background on udp:127.0.0.1:PORT,
# waited for (bounded) until it says it is up.
pbox_start() {
	local log=$1 port=$2
	shift 2
	"$pboxd" --listen "udp:127.0.0.1:$port" --workers 2 "$@" >"$log" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do
		grep -q "up:" "$log" 2>/dev/null && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log"
	return 1
}
