#!/bin/bash
# SPDX-License-Identifier: MIT
# Digest authentication in nutss-pboxd, with SIPp as the user agent:
#
#   sipp (alice) ──REGISTER──▶ pboxd :P   users in a fresh --data-dir
#
# registration with auth (401 then 200), a replayed nonce refused (401
# stale=true), a wrong password refused (403), a stale nonce re-challenged,
# and RFC 4475 regaut01 (unknown scheme) challenged with 401.
# Usage: tests/pbox/test-pboxd-auth.sh BUILD_DIR
set -u
B=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
pboxd=$top/$B/nutss-pboxd
nutss=$top/$B/nutss
corpus=${NUTSS_SHARED:-$top/../shared}/testdata/rfc4475
harness=${NUTSS_SHARED:-$top/../shared}/bench-harness
sc=$top/tests/pbox/sipp
tmp=$(mktemp -d)
chmod 755 "$tmp" # the daemon drops to nobody and must reach its data dir
. "$top/tests/pbox/lib.sh"
trap pbox_cleanup EXIT
start_pboxd() { pbox_start "$1" "$2" --domain example.com "${@:3}"; }
sipp_run() { # NAME SCENARIO PORT PASSWORD
	(cd "$tmp" && timeout 30 sipp -sf "$sc/$2" -s alice "127.0.0.1:$3" -i 127.0.0.1 -p "$(free_port)" \
		-m 1 -key domain example.com -au alice -ap "$4" -auth_uri example.com -recv_timeout 5000 -timeout 20 \
		-timeout_error -nostdin -trace_err -error_file "$tmp/$1.err" </dev/null >"$tmp/$1.out" 2>&1)
}

[ -x "$pboxd" ] && [ -x "$nutss" ] || { ko "binaries missing"; echo "$pass passed, $fail failed"; exit 1; }
command -v sipp >/dev/null || { echo "SKIP: sipp not installed"; echo "0 passed, 0 failed"; exit 0; }

data=$tmp/data
# SIPp answers MD5 challenges only; the default offers SHA-256 first (RFC 8760).
printf 'auth_algorithms = MD5\n' >"$tmp/md5.conf"
echo secret | "$nutss" --data-dir "$data" user add alice@example.com --password-stdin >/dev/null ||
	ko "nutss user add"

P=$(free_port)
if start_pboxd "$tmp/pboxd.log" "$P" -c "$tmp/md5.conf" --data-dir "$data" --auth on; then
	sipp_run reg reg_auth.xml "$P" secret &&
		ok "REGISTER with digest: 401 then 200; the replayed nonce gets 401 stale=true" ||
		{ ko "REGISTER with digest / replay"; tail -5 "$tmp/reg.err" 2>/dev/null; }
	sipp_run wrong reg_wrong.xml "$P" not-the-password &&
		ok "a wrong password is refused with 403" ||
		{ ko "wrong password"; tail -5 "$tmp/wrong.err" 2>/dev/null; }
	# RFC 4475 regaut01 (and the REGISTERs the manifest says are accepted) meet a challenge
	S=$(free_port)
	timeout 60 python3 "$top/tests/pbox/rfc4475_udp.py" "$corpus" "$P" "$S" --auth --only \
		regaut01.dat escnull.dat cparam01.dat cparam02.dat regescrt.dat >"$tmp/rfc.out" 2>&1 &&
		ok "RFC 4475 regaut01 challenged with 401 (and the accepted REGISTERs too)" ||
		{ ko "RFC 4475 with auth"; grep FAIL "$tmp/rfc.out"; }
	# A call by name from another user of the domain: bob -> carol;app=ftp;type=server.
	# carol registers from U, then a SIPp UAS answers on U. bob's nonce comes from the
	# same address in the same second as carol's: it must still be a fresh one.
	echo bob-secret | "$nutss" --data-dir "$data" user add bob@example.com --password-stdin >/dev/null
	echo carol-secret | "$nutss" --data-dir "$data" user add carol@example.com --password-stdin >/dev/null
	kill -HUP "${pids[-1]}" # reload users
	sleep 0.5
	U=$(free_port)
	(cd "$tmp" && timeout 30 sipp -sf "$sc/reg_auth.xml" -s carol "127.0.0.1:$P" -i 127.0.0.1 -p "$U" \
		-m 1 -key domain example.com -au carol -ap carol-secret -auth_uri example.com \
		-recv_timeout 5000 -timeout 20 -timeout_error -nostdin </dev/null >"$tmp/reg2.out" 2>&1) ||
		ko "carol registers for the call"
	(cd "$tmp" && exec sipp -sf "$harness/sipp/uas.xml" -i 127.0.0.1 -p "$U" -t u1 -nostdin \
		-timeout 30 </dev/null >"$tmp/uas.out" 2>&1) &
	pids+=($!)
	sleep 0.5
	(cd "$tmp" && timeout 30 sipp -sf "$sc/call_auth.xml" -s carol "127.0.0.1:$P" -i 127.0.0.1 \
		-p "$(free_port)" -m 1 -key domain example.com -key caller bob -au bob -ap bob-secret \
		-auth_uri 'carol@example.com;app=ftp;type=server' -recv_timeout 5000 -timeout 20 \
		-timeout_error -nostdin -trace_err -error_file "$tmp/call.err" </dev/null >"$tmp/call.out" 2>&1) &&
		ok "bob calls carol by name with digest auth (407, then the call completes)" ||
		{ ko "authenticated call by name"; tail -5 "$tmp/call.err"; }
	grep -q "authentication failed for alice@example.com" "$tmp/pboxd.log" &&
		ok "the failed attempt is logged for the operator" || ko "failed attempt logged"
else
	ko "pboxd start with auth"
fi

# An acknowledged REGISTER survives kill -9 of the daemon (docs/pbox.md, "Store").
P=$(free_port)
if start_pboxd "$tmp/pboxd-k1.log" "$P" -c "$tmp/md5.conf" --data-dir "$data" --auth on; then
	victim=${pids[-1]}
	sipp_run k9 reg_auth.xml "$P" secret || ko "REGISTER before kill -9"
	kill -9 "$victim"
	wait "$victim" 2>/dev/null
	if start_pboxd "$tmp/pboxd-k2.log" "$P" -c "$tmp/md5.conf" --data-dir "$data" --auth on; then
		grep -q "[1-9][0-9]* registration(s) restored" "$tmp/pboxd-k2.log" &&
			ok "a registration survives kill -9 and a restart" ||
			{ ko "registration after kill -9"; grep restored "$tmp/pboxd-k2.log"; }
	else
		ko "restart after kill -9"
	fi
else
	ko "pboxd start (kill -9)"
fi

# A short nonce lifetime: the scenario waits past it and is re-challenged with stale=true.
printf 'nonce_ttl = 1\nauth_algorithms = MD5\n' >"$tmp/stale.conf"
P=$(free_port)
if start_pboxd "$tmp/pboxd-stale.log" "$P" -c "$tmp/stale.conf" --data-dir "$data" --auth on; then
	sipp_run stale reg_stale.xml "$P" secret &&
		ok "a stale nonce is re-challenged (stale=true), the fresh one accepted" ||
		{ ko "stale nonce"; tail -5 "$tmp/stale.err" 2>/dev/null; }
else
	ko "pboxd start (stale)"
fi

# Policy in the request path: mallory is denied by a line of the domain's policy.
printf 'if (from.user IS mallory@example.com)\n\tdeny("mallory may not call")\nend\nif (from.user IS eve@evil.test)\n\tdeny("eve may not reach us")\nend\naccept()\n' \
	>"$tmp/domain.pol"
printf 'auth_algorithms = MD5\npolicy = %s\n' "$tmp/domain.pol" >"$tmp/policy.conf"
echo mallory-secret | "$nutss" --data-dir "$data" user add mallory@example.com --password-stdin >/dev/null
P=$(free_port)
if start_pboxd "$tmp/pboxd-policy.log" "$P" -c "$tmp/policy.conf" --data-dir "$data" --auth on; then
	U=$(free_port)
	(cd "$tmp" && timeout 30 sipp -sf "$sc/reg_auth.xml" -s carol "127.0.0.1:$P" -i 127.0.0.1 -p "$U" \
		-m 1 -key domain example.com -au carol -ap carol-secret -auth_uri example.com \
		-recv_timeout 5000 -timeout 20 -timeout_error -nostdin </dev/null >/dev/null 2>&1) ||
		ko "carol registers (policy)"
	(cd "$tmp" && exec sipp -sf "$harness/sipp/uas.xml" -i 127.0.0.1 -p "$U" -t u1 -nostdin \
		-timeout 30 </dev/null >"$tmp/uas2.out" 2>&1) &
	pids+=($!)
	sleep 0.5
	call() { # CALLER PASSWORD LABEL
		(cd "$tmp" && timeout 30 sipp -sf "$sc/call_auth.xml" -s carol "127.0.0.1:$P" -i 127.0.0.1 \
			-p "$(free_port)" -m 1 -key domain example.com -key caller "$1" -au "$1" -ap "$2" \
			-auth_uri 'carol@example.com;app=ftp;type=server' -recv_timeout 5000 -timeout 20 \
			-timeout_error -nostdin -trace_err -error_file "$tmp/$3.err" </dev/null >/dev/null 2>&1)
	}
	call bob bob-secret pol-bob && ok "policy accepts bob's call to carol" ||
		{ ko "policy: bob's call"; tail -3 "$tmp/pol-bob.err"; }
	if call mallory mallory-secret pol-mallory; then
		ko "policy let mallory's call through"
	elif grep -q "403 Forbidden" "$tmp/pol-mallory.err" &&
		grep -q "policy: mallory may not call at $tmp/domain.pol:2" "$tmp/pol-mallory.err"; then
		ok "policy denies mallory with 403 naming the policy line"
	else
		ko "policy: mallory's refusal"; tail -12 "$tmp/pol-mallory.err"
	fi
	# not only INVITEs: an outsider's MESSAGE to carol is the policy's to judge too
	r=$(python3 - "$P" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(3)
p = s.getsockname()[1]
s.sendto(("MESSAGE sip:carol@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKmsg1\r\n"
          "Max-Forwards: 70\r\nFrom: <sip:eve@evil.test>;tag=e1\r\nTo: <sip:carol@example.com>\r\n"
          "Call-ID: msg1@evil.test\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
          "Content-Length: 2\r\n\r\nhi" % p).encode(), ("127.0.0.1", int(sys.argv[1])))
try:
    r = s.recv(4096).decode("latin-1").split("\r\n")
    print(r[0], *[l for l in r if l.startswith("Warning")])
except socket.timeout:
    print("no answer")
PY
)
	case $r in
	"SIP/2.0 403 Forbidden"*"eve may not reach us at $tmp/domain.pol:5"*)
		ok "policy denies an outsider's MESSAGE too, naming the line" ;;
	*) ko "policy on MESSAGE: $r" ;;
	esac
else
	ko "pboxd start (policy)"
fi

grep -h "runtime error\|AddressSanitizer" "$tmp"/pboxd*.log && ko "sanitizer report in a daemon log"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
