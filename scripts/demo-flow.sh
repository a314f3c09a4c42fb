#!/bin/bash
# SPDX-License-Identifier: MIT
# Flows by name, narrated (part of `make demo`). Everything on 127.0.0.1;
# every process started here is stopped by PID.
#
#   bob: nutss connect 'alice@example.com;app=echo;type=server'
#     ──INVITE──▶ nutss-pboxd (example.com: digest auth, policy, token)
#     ──INVITE──▶ alice: nutss listen ... --exec 'tr a-z A-Z'
#   then bob's ticket, alice's confirm, and a plain TCP connection: kernel sockets
set -u
B=${1:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
nutss=$top/$B/nutss
pboxd=$top/$B/nutss-pboxd
tmp=$(mktemp -d /tmp/nutss-demo-flow.XXXXXX)
chmod 755 "$tmp"
. "$top/tests/pbox/lib.sh"
trap pbox_cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
show() { printf '   $ %s\n' "$*"; }

P=$(free_port)
data=$tmp/data
for u in alice bob mallory; do
	echo "$u-secret" | "$nutss" --data-dir "$data" user add "$u@example.com" --password-stdin >/dev/null
	echo "$u-secret" >"$tmp/$u.pw"
	chmod 600 "$tmp/$u.pw"
done
as() { echo "NUTSS_USER=$1@example.com NUTSS_PASSWORD_FILE=$tmp/$1.pw NUTSS_PBOX=udp:127.0.0.1:$P"; }

say "7. Flows by name. The domain gets a token key; only its P-Boxes and M-Boxes hold it:"
show "nutss key new example.com && nutss key list"
"$nutss" --data-dir "$data" key new example.com
"$nutss" --data-dir "$data" key list | sed 's/^/   /'
cat >"$tmp/domain.pol" <<'POL'
if (from.user IS mallory@example.com)
	deny("mallory is not welcome here")
end
accept()
POL
echo "   The domain's policy ($tmp/domain.pol):"
sed 's/^/   | /' "$tmp/domain.pol"
printf 'policy = %s\nlog_level = debug\n' "$tmp/domain.pol" >"$tmp/pboxd.conf"
pbox_start "$tmp/pboxd.log" "$P" -c "$tmp/pboxd.conf" --domain example.com --data-dir "$data" || exit 1

say "8. alice serves a name. Her endpoint registers it and waits; nothing listens by address"
echo "   that anyone could use without asking the P-Box first:"
show "nutss listen 'alice@example.com;app=echo;type=server' --exec 'tr a-z A-Z'"
env $(as alice) "$nutss" listen 'alice@example.com;app=echo;type=server' --exec 'tr a-z A-Z' \
	2>"$tmp/alice.log" >/dev/null </dev/null &
pids+=($!)
for _ in $(seq 50); do grep -q "listening as" "$tmp/alice.log" && break; sleep 0.1; done
sed 's/^/   alice| /' "$tmp/alice.log"

say "9. bob opens a flow to that name and talks; the answer comes back over a real TCP socket:"
show "echo 'hello alice, by name' | nutss connect 'alice@example.com;app=echo;type=server'"
echo 'hello alice, by name' | env $(as bob) timeout 20 "$nutss" connect 'alice@example.com;app=echo;type=server' \
	2>"$tmp/bob.err" | sed 's/^/   bob got: /'
sed 's/^/   bob| /' "$tmp/bob.err"
sleep 0.3
sed -n 's/.*\(flow from .*\)/   alice| \1/p' "$tmp/alice.log"
echo "   Under the hood, the P-Box authenticated bob (407), applied the policy, and put its"
echo "   token for exactly this 5-tuple into the answer; bob's endpoint sent it along the path"
echo "   in a ticket, alice's confirmed it, and only then did bob connect:"
grep -oE "token [0-9a-f]{16}\.\.\. for tcp [0-9.:]+ -> [0-9.:]+" "$tmp/pboxd.log" | tail -1 | sed 's/^/   P-Box| /'

if command -v sipp >/dev/null; then
	say "10. The token in the negotiated SDP, seen by a plain SIP client (SIPp as bob) calling"
	echo "   alice's FTP server by name. The 200 OK's answer, as the P-Box passed it on:"
	env $(as alice) "$nutss" listen 'alice@example.com;app=ftp;type=server' 2>"$tmp/ftp.log" >/dev/null </dev/null &
	pids+=($!)
	for _ in $(seq 50); do grep -q "listening as" "$tmp/ftp.log" && break; sleep 0.1; done
	(cd "$tmp" && timeout 20 sipp -sf "$top/tests/flow/sipp/uac_flow.xml" -s alice "127.0.0.1:$P" -i 127.0.0.1 \
		-p "$(free_port)" -m 1 -key domain example.com -key caller bob -au bob -ap bob-secret \
		-auth_uri 'alice@example.com;app=ftp;type=server' -trace_msg -message_file "$tmp/sipp.msg" \
		-recv_timeout 5000 -timeout 15 -nostdin </dev/null >/dev/null 2>&1)
	awk '/SIP\/2.0 200 OK/ && !done { in200 = 1 } in200 && /^v=0/ { body = 1 }
		body { print "   | " $0 } body && /^a=nutss-token/ { done = 1; in200 = 0; body = 0 }' "$tmp/sipp.msg" |
		tr -d '\r' | head -12
fi

say "11. mallory is a user of the domain too, but the policy says no. The refusal names the line:"
show "nutss connect 'alice@example.com;app=echo;type=server'   (as mallory)"
echo hi | env $(as mallory) timeout 20 "$nutss" connect 'alice@example.com;app=echo;type=server' 2>&1 >/dev/null |
	sed 's/^/   /'
echo "   exit status 1, errno EACCES"

say "12. Someone who knows alice's flow port and connects to it without asking the P-Box:"
port=$(sed -n 's/.*(tcp port \([0-9]*\)).*/\1/p' "$tmp/alice.log")
python3 -c "
import socket; s = socket.create_connection(('127.0.0.1', $port)); s.settimeout(3)
try: d = s.recv(10)
except OSError: d = b''
print('   connection closed by alice\'s endpoint at once' if d == b'' else '   UNEXPECTED: it answered')"
echo "   (behind an M-Box that connection would not even reach alice's host: next issue)"
