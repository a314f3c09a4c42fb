#!/bin/bash
# SPDX-License-Identifier: MIT
# The P-Box part of `make demo`, narrated. Everything runs on 127.0.0.1 with
# SIPp as the user agents; every process started here is stopped by PID.
#
#   alice's FTP server (SIPp) --REGISTER--> nutss-pboxd (example.com)
#   bob (SIPp) --INVITE alice@example.com;app=ftp--> nutss-pboxd --> alice's server
set -u
B=${1:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
nutss=$top/$B/nutss
pboxd=$top/$B/nutss-pboxd
sc=$top/tests/pbox/sipp
uas_xml=$top/../shared/bench-harness/sipp/uas.xml
tmp=$(mktemp -d /tmp/nutss-demo.XXXXXX)
chmod 755 "$tmp"
. "$top/tests/pbox/lib.sh"
trap pbox_cleanup EXIT

say() { printf '\n== %s\n' "$*"; }
# sipp quietly; prints what happened in one line
sip_ua() { # LABEL ARGS...
	local label=$1
	shift
	(cd "$tmp" && timeout 30 sipp "$@" -i 127.0.0.1 -m 1 -recv_timeout 4000 -timeout 20 \
		-timeout_error -nostdin -trace_err -error_file "$tmp/$label.err" </dev/null >"$tmp/$label.out" 2>&1)
}

if ! command -v sipp >/dev/null || [ ! -f "$uas_xml" ]; then
	echo "(the P-Box demo needs sipp and ../shared/bench-harness; skipped)"
	exit 0
fi
P=$(free_port)
U=$(free_port)
data=$tmp/data

say "1. A domain, example.com, and two users. Only HA1 digests are stored, never passwords:"
printf '$ echo ... | nutss --data-dir %s user add alice@example.com --password-stdin\n' "$data"
echo alice-secret | "$nutss" --data-dir "$data" user add alice@example.com --password-stdin
echo bob-secret | "$nutss" --data-dir "$data" user add bob@example.com --password-stdin
"$nutss" --data-dir "$data" user list

say "2. The P-Box for example.com starts (digest auth on; MD5 because SIPp knows no other):"
printf 'auth_algorithms = MD5\n' >"$tmp/demo.conf"
pbox_start "$tmp/pboxd.log" "$P" -c "$tmp/demo.conf" --domain example.com --data-dir "$data" ||
	exit 1
sed 's/^/   | /' "$tmp/pboxd.log"

say "3. alice's FTP server registers its name, alice@example.com;app=ftp;type=server."
echo "   The P-Box challenges (401); the server answers with its password's digest (200)."
echo "   Then someone replays that REGISTER: the nonce was already used, so it is refused."
if sip_ua register -sf "$sc/reg_auth.xml" -s alice "127.0.0.1:$P" -p "$U" -key domain example.com \
	-au alice -ap alice-secret -auth_uri example.com; then
	echo "   registered; the replay got 401 stale=true"
else
	echo "   registration FAILED:"; tail -5 "$tmp/register.err"
fi
"$nutss" --data-dir "$data" reg list

say "4. bob calls alice's FTP server by name, not by address. The P-Box asks bob to"
echo "   authenticate (407), finds the registration by partial-attribute match and"
echo "   forwards the call; it completes (INVITE, 200, ACK, BYE):"
(cd "$tmp" && exec sipp -sf "$uas_xml" -i 127.0.0.1 -p "$U" -t u1 -nostdin -timeout 30 \
	</dev/null >"$tmp/uas.out" 2>&1) &
pids+=($!)
sleep 0.5
if sip_ua call -sf "$sc/call_auth.xml" -s alice "127.0.0.1:$P" -p "$(free_port)" \
	-key domain example.com -key caller bob -au bob -ap bob-secret \
	-auth_uri 'alice@example.com;app=ftp;type=server'; then
	echo "   call completed"
else
	echo "   call FAILED:"; tail -5 "$tmp/call.err"
fi

say "5. The same call with a wrong password is refused before it reaches alice (403):"
if sip_ua wrong -sf "$sc/call_auth.xml" -s alice "127.0.0.1:$P" -p "$(free_port)" \
	-key domain example.com -key caller bob -au bob -ap not-bobs-password \
	-auth_uri 'alice@example.com;app=ftp;type=server'; then
	echo "   UNEXPECTED: the call went through"
else
	grep -o "SIP/2.0 403 [^']*" "$tmp/wrong.err" | head -1 | sed 's/^/   refused: /'
	grep -o 'Warning: [^'"'"']*' "$tmp/wrong.err" | head -1 | sed 's/^/   /'
fi

say "6. What the operator saw (the P-Box's log):"
sed 's/^/   | /' "$tmp/pboxd.log" | tail -4
