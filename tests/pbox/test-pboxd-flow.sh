#!/bin/bash
# SPDX-License-Identifier: MIT
# The P-Box negotiates flows (issue 16): tokens in answers, require(enc)
# in offers, the source-address rule, key rotation on SIGHUP.
#
#   flow_sdp.py (alice) ──▶ pboxd :P ──▶ flow_sdp.py (bob, static binding :U)
#
# Usage: tests/pbox/test-pboxd-flow.sh BUILD_DIR
set -u
B=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
pboxd=$top/$B/nutss-pboxd
nutss=$top/$B/nutss
tmp=$(mktemp -d)
chmod 755 "$tmp" # the daemon drops to nobody and must reach its data dir
. "$top/tests/pbox/lib.sh"
trap pbox_cleanup EXIT

[ -x "$pboxd" ] && [ -x "$nutss" ] || { ko "binaries missing"; echo "$pass passed, $fail failed"; exit 1; }
data=$tmp/data
U=$(free_port)
echo alice-pw | "$nutss" --data-dir "$data" user add alice@example.com --password-stdin >/dev/null &&
	"$nutss" --data-dir "$data" reg add bob@example.com "sip:bob@127.0.0.1:$U" --static \
		--descriptor 'bob@example.com;type=server' >/dev/null &&
	"$nutss" --data-dir "$data" key new example.com >/dev/null || ko "users, binding, key"
cat >"$tmp/domain.pol" <<'POL'
if (to.app IS secure)
	require(ssl)
end
accept()
POL
printf "policy = %s\nauth_algorithms = MD5\nuser = root\nlog_level = ${LOG_LEVEL:-info}\n" "$tmp/domain.pol" >"$tmp/pboxd.conf"
P=$(free_port)
if pbox_start "$tmp/pboxd.log" "$P" -c "$tmp/pboxd.conf" --domain example.com --auth on \
	--data-dir "$data"; then
	grep -q "1 domain key(s) for example.com: key 1 signs" "$tmp/pboxd.log" &&
		ok "the daemon says which key signs" || ko "no key line in the log"
	timeout 120 python3 "$top/tests/pbox/flow_sdp.py" "$P" "$U" "$data" "$nutss" "${pids[-1]}" \
		>"$tmp/flow.out" 2>&1
	driver_counts "flow" "$tmp/flow.out"
	grep -q "reloaded: 2 domain key(s), key 2 signs" "$tmp/pboxd.log" &&
		ok "SIGHUP reloads the keys, and says so" || ko "no reload line in the log"
	! grep -qE '[0-9a-f]{32}' <(grep -v "token " "$tmp/pboxd.log") &&
		ok "no key secret in the log" || ko "a secret-like string in the log"
else
	ko "pboxd start"
fi
# Keys of another domain are refused at start, with the reason.
d2=$tmp/data2
"$nutss" --data-dir "$d2" key new example.org >/dev/null
"$pboxd" --listen "udp:127.0.0.1:$(free_port)" --domain example.com --auth off --data-dir "$d2" \
	>"$tmp/wrong.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do kill -0 "${pids[-1]}" 2>/dev/null || break; sleep 0.1; done
! kill -0 "${pids[-1]}" 2>/dev/null && grep -q "are for example.org, not example.com" "$tmp/wrong.log" &&
	ok "keys of another domain: the daemon refuses to start, saying why" ||
	{ ko "keys of another domain"; cat "$tmp/wrong.log"; }
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
