#!/bin/bash
# SPDX-License-Identifier: MIT
# Debian's own SIP client against the P-Box in its default configuration
# (issue 16): baresip 1.0 gave up on the SHA-256-first challenge with
# "Register: Function not implemented". Two baresips register with digest
# auth and one calls the other by name through the P-Box; the call must be
# established on both sides.
#
#   baresip (bob) ──REGISTER, INVITE──▶ pboxd :P ──INVITE──▶ baresip (alice, auto-answer)
#
# Usage: tests/pbox/test-pboxd-baresip.sh BUILD_DIR
set -u
B=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
pboxd=$top/$B/nutss-pboxd
nutss=$top/$B/nutss
tmp=$(mktemp -d)
chmod 755 "$tmp"
. "$top/tests/pbox/lib.sh"
trap pbox_cleanup EXIT

[ -x "$pboxd" ] && [ -x "$nutss" ] || { ko "binaries missing"; echo "$pass passed, $fail failed"; exit 1; }
command -v baresip >/dev/null || { ko "baresip is not installed (scripts/install-deps.sh installs baresip-core)"; echo "$pass passed, $fail failed"; exit 1; }
data=$tmp/data
for u in alice bob; do
	echo "$u-pw" | "$nutss" --data-dir "$data" user add "$u@example.com" --password-stdin >/dev/null
done
P=$(free_port)
pbox_start "$tmp/pboxd.log" "$P" --domain example.com --auth on --data-dir "$data" ||
	{ ko "pboxd start"; echo "$pass passed, $fail failed"; exit 1; }

# baresip's configuration: SIP on loopback, no sound card (a sine tone in, nothing out)
mkconf() { # DIR USER [ACCOUNT-PARAMS]
	mkdir -p "$1"
	cat >"$1/config" <<CONF
sip_listen 127.0.0.1:0
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aufile.so
module_app account.so
module_app menu.so
audio_player aufile,/dev/null
audio_source ausine,440
ausrc_srate 48000
auplay_srate 48000
ausrc_channels 2
auplay_channels 2
CONF
	echo "<sip:$2@example.com>;auth_pass=$2-pw;outbound=\"sip:127.0.0.1:$P\";regint=60${3:-}" >"$1/accounts"
}
mkconf "$tmp/alice" alice ";answermode=auto"
mkconf "$tmp/bob" bob
timeout 15 baresip -f "$tmp/alice" -t 10 </dev/null >"$tmp/alice.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q "200 OK" "$tmp/alice.out" 2>/dev/null && break; sleep 0.1; done
timeout 10 baresip -f "$tmp/bob" -t 4 -e "/dial sip:alice@example.com" </dev/null >"$tmp/bob.out" 2>&1
for f in alice bob; do
	grep -q "$f@example.com: {0/UDP/v4} 200 OK (nutss-pboxd)" "$tmp/$f.out" &&
		ok "baresip ($f) registers with digest auth in the default configuration" ||
		{ ko "baresip ($f) register"; grep -i "reg" "$tmp/$f.out" | head -3; }
done
grep -q "Call established: sip:alice@example.com" "$tmp/bob.out" &&
	grep -q "Call established: sip:bob@example.com" "$tmp/alice.out" &&
	ok "bob's baresip calls alice's by name through the P-Box (407 answered): established both sides" ||
	{ ko "baresip call"; grep -iE "call|fail|40[37]" "$tmp/bob.out" | head -5; }
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
