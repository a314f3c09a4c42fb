#!/bin/bash
# SPDX-License-Identifier: MIT
# nutss-pboxd under hostile input, as an attacker would send it (issue 15):
#
#   proxy_require.py ──▶ pboxd :P (udp+tcp)   the one-datagram stack overflow
#   blackbox.py ───────▶ pboxd :P (udp+tcp)   mutated SIP for FUZZ_SECONDS
#
# The daemon runs as it would in a domain: auth on, a policy, two users and
# a registration. It must answer the reproducer with a safe 420, survive
# the mutation run, answer a valid OPTIONS on both transports afterwards,
# and log no sanitizer report (the test build is ASan+UBSan: any report
# aborts it). `make fuzz` runs the same for longer (BLACKBOX_SECONDS).
# Usage: tests/pbox/test-pboxd-fuzz.sh BUILD_DIR [SECONDS]
set -u
B=${1:-build/asan}
secs=${2:-${FUZZ_SECONDS_BLACKBOX:-30}}
top=$(cd "$(dirname "$0")/../.." && pwd)
pboxd=$top/$B/nutss-pboxd
nutss=$top/$B/nutss
corpus=${NUTSS_SHARED:-$top/../shared}/testdata/rfc4475
tmp=$(mktemp -d)
chmod 755 "$tmp" # the daemon drops to nobody and must reach its data dir
. "$top/tests/pbox/lib.sh"
trap pbox_cleanup EXIT

[ -x "$pboxd" ] && [ -x "$nutss" ] || { ko "binaries missing"; echo "$pass passed, $fail failed"; exit 1; }

data=$tmp/data
echo alice-pw | "$nutss" --data-dir "$data" user add alice@example.com --password-stdin >/dev/null &&
	echo bob-pw | "$nutss" --data-dir "$data" user add bob@example.com --password-stdin >/dev/null &&
	"$nutss" --data-dir "$data" reg add 'bob@example.com' 'sip:bob@127.0.0.1:9' --static \
		--descriptor 'bob@example.com;app=ftp;type=server' >/dev/null ||
	ko "users and a registration"
chmod -R a+rwX "$data"
cat >"$tmp/domain.pol" <<'POL'
if (flow.taint LIKE *.confidential)
	deny("confidential data stays home")
end
if (from.type IS client AND to.type IS server)
	require(ssl)
	accept()
end
POL
printf 'policy = %s\nauth_algorithms = MD5 SHA-256\n' "$tmp/domain.pol" >"$tmp/pboxd.conf"

P=$(free_port)
if ! pbox_start "$tmp/pboxd.log" "$P" -c "$tmp/pboxd.conf" --listen "tcp:127.0.0.1:$P" \
	--domain example.com --auth on --data-dir "$data"; then
	ko "pboxd start"
	echo "$pass passed, $fail failed"
	exit 1
fi
pid=${pids[-1]}

timeout 60 python3 "$top/tests/pbox/proxy_require.py" "$P" >"$tmp/pr.out" 2>&1
driver_counts "Proxy-Require" "$tmp/pr.out"

timeout $((${secs%.*} + 60)) python3 "$top/tests/pbox/blackbox.py" "$P" "$secs" --corpus "$corpus" \
	>"$tmp/bb.out" 2>&1
driver_counts "black-box ${secs}s" "$tmp/bb.out"

kill -0 "$pid" 2>/dev/null && ok "the daemon is still running" || ko "the daemon died"
if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$tmp/pboxd.log"; then
	ko "sanitizer report in the daemon's log:"
	grep -m1 -A25 -E 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$tmp/pboxd.log"
	cp "$tmp/pboxd.log" "$top/$B/test-logs/blackbox-pboxd.log" 2>/dev/null
else
	ok "no sanitizer report in the daemon's log"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
