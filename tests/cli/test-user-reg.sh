#!/bin/sh
# SPDX-License-Identifier: MIT
# nutss user / reg / key against a throw-away data directory: what goes into
# the store (HA1, never the password), the keys file (0600, never printed),
# what comes out, and the exit codes.
# Usage: tests/cli/test-user-reg.sh BUILD_DIR   (the binary is BUILD_DIR/nutss)
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
NUTSS=$B/nutss
[ -x "$NUTSS" ] || { echo "FAIL no $NUTSS"; echo "0 passed, 1 failed"; exit 1; }
command -v sqlite3 >/dev/null || { echo "FAIL the sqlite3 CLI is missing"; echo "0 passed, 1 failed"; exit 1; }

T=$(mktemp -d /tmp/nutss-test-user-reg.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
D=$T/data
DB=$D/nutss.db
passed=0
failed=0

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); [ -s "$T/err" ] && sed 's/^/    stderr: /' "$T/err"; }

# run NAME EXPECTED-STATUS CMD...: stdout in $T/out, stderr in $T/err.
run() {
	name=$1 want=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then pass "$name"; else fail "$name (exit $got, want $want)"; fi
}
# check NAME CONDITION...: a test of what the last run left behind.
check() {
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
nutss() { "$NUTSS" --data-dir "$D" "$@"; }
q() { sqlite3 "$DB" "$1"; }

# --- users ---
run "user --help" 0 nutss user --help
check "user --help mentions --password-stdin" grep -q -- --password-stdin "$T/out"
run "user add" 0 sh -c "printf 'secret\n' | '$NUTSS' --data-dir '$D' user add alice@rr.net --password-stdin"
check "data dir is 0700" [ "$(stat -c %a "$D")" = 700 ]
check "db is 0600" [ "$(stat -c %a "$DB")" = 600 ]
want_md5=$(printf 'alice:rr.net:secret' | md5sum | cut -d' ' -f1)
want_sha=$(printf 'alice:rr.net:secret' | sha256sum | cut -d' ' -f1)
check "HA1 MD5 = md5(alice:rr.net:secret)" [ "$(q "SELECT ha1_md5 FROM users WHERE aor='alice@rr.net'")" = "$want_md5" ]
check "HA1 SHA-256 = sha256(alice:rr.net:secret)" [ "$(q "SELECT ha1_sha256 FROM users WHERE aor='alice@rr.net'")" = "$want_sha" ]
check "password not in the db" sh -c "! grep -rqa secret '$D'"
run "duplicate add fails" 1 sh -c "printf 'other\n' | '$NUTSS' --data-dir '$D' user add alice@rr.net --password-stdin"
check "duplicate add says why" grep -q "already exists" "$T/err"
check "duplicate add kept the HA1" [ "$(q "SELECT ha1_md5 FROM users")" = "$want_md5" ]
run "user add, domain lower-cased" 0 sh -c "printf 'pw2\r\n' | '$NUTSS' --data-dir '$D' user add bob@RR.Net --password-stdin"
check "CR LF stripped from the password" [ "$(q "SELECT ha1_md5 FROM users WHERE aor='bob@rr.net'")" = "$(printf 'bob:rr.net:pw2' | md5sum | cut -d' ' -f1)" ]
run "empty password refused" 2 sh -c "printf '\n' | '$NUTSS' --data-dir '$D' user add carol@rr.net --password-stdin"
check "empty password: no user" [ -z "$(q "SELECT aor FROM users WHERE aor='carol@rr.net'")" ]
run "no tty and no --password-stdin refused" 2 sh -c "echo x | '$NUTSS' --data-dir '$D' user add carol@rr.net"
# The terminal path: prompt twice, echo off, mismatch refused (python3 drives a pty).
cat >"$T/ttyadd.py" <<'PY'
import os, pty, select, signal, sys, time
nutss, d, aor, first, second = sys.argv[1:6]
pid, fd = pty.fork()
if pid == 0:
    os.execv(nutss, [nutss, "--data-dir", d, "user", "add", aor])
out = b""
def expect(s):
    """Read until s appears, EOF, or 10 s; never block for longer."""
    global out
    end = time.time() + 10
    while s is None or s not in out:
        left = end - time.time()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            os.kill(pid, signal.SIGKILL)
            break
        try:
            c = os.read(fd, 1024)
        except OSError:
            break
        if not c:
            break
        out += c
expect(b"Password for " + aor.encode() + b": ")
os.write(fd, first.encode() + b"\n")
expect(b"Again: ")
os.write(fd, second.encode() + b"\n")
expect(None)
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(st))
PY
if command -v python3 >/dev/null; then
	run "tty: passwords that differ refused" 2 python3 "$T/ttyadd.py" "$NUTSS" "$D" tty@rr.net hunter2 hunter3
	check "tty: mismatch says so" grep -q "do not match" "$T/out"
	run "tty: prompt twice" 0 python3 "$T/ttyadd.py" "$NUTSS" "$D" tty@rr.net hunter2 hunter2
	check "tty: password not echoed" sh -c "! grep -q hunter '$T/out'"
	check "tty: HA1 of the typed password" [ "$(q "SELECT ha1_md5 FROM users WHERE aor='tty@rr.net'")" = "$(printf 'tty:rr.net:hunter2' | md5sum | cut -d' ' -f1)" ]
	run "tty user del" 0 nutss user del tty@rr.net
else
	echo "SKIP tty prompt (no python3)"
fi
run "user list" 0 nutss user list
check "user list is one AOR per line" [ "$(cat "$T/out")" = "$(printf 'alice@rr.net\nbob@rr.net')" ]
run "passwd" 0 sh -c "printf 'n3w\n' | '$NUTSS' --data-dir '$D' user passwd alice@rr.net --password-stdin"
check "passwd changed the HA1" [ "$(q "SELECT ha1_md5 FROM users WHERE aor='alice@rr.net'")" = "$(printf 'alice:rr.net:n3w' | md5sum | cut -d' ' -f1)" ]
check "no password in the db after passwd" sh -c "! grep -rqa -e n3w -e secret '$D'"
run "passwd of unknown user" 1 sh -c "printf 'x\n' | '$NUTSS' --data-dir '$D' user passwd nobody@rr.net --password-stdin"
run "user del" 0 nutss user del bob@rr.net
run "user del again: not found" 1 nutss user del bob@rr.net
check "user del names the user" grep -q "bob@rr.net" "$T/err"
run "bad AOR refused" 2 sh -c "printf 'x\n' | '$NUTSS' --data-dir '$D' user add not-an-aor --password-stdin"
check "bad AOR message names it" grep -q "not-an-aor" "$T/err"
run "AOR with parameters refused" 2 nutss user del 'alice@rr.net;app=ftp'
run "user without verb" 2 nutss user
run "user unknown verb" 2 nutss user frobnicate alice@rr.net

# --- registrations ---
run "reg --help" 0 nutss reg --help
check "reg --help mentions --static" grep -q -- --static "$T/out"
run "reg add static" 0 nutss reg add alice@rr.net sip:10.0.0.5:21 --static --descriptor 'alice@rr.net;app=ftp;type=server'
run "reg add expiring" 0 nutss reg add alice@rr.net sip:alice@192.0.2.7:5060 --expires 600
run "reg add default expiry" 0 nutss reg add dave@rr.net sip:dave@192.0.2.8
run "reg list" 0 nutss reg list
check "reg list has a header" grep -q '^AOR  *CONTACT  *DESCRIPTOR  *EXPIRES$' "$T/out"
check "reg list shows the static binding" grep -q '^alice@rr.net  *sip:10.0.0.5:21  *alice@rr.net;app=ftp;type=server  *static$' "$T/out"
check "reg list shows expiry in seconds" grep -Eq '^alice@rr.net  *sip:alice@192.0.2.7:5060  *alice@rr.net  *(59[0-9]|600)s$' "$T/out"
check "reg list columns line up" sh -c "awk '{ print index(\$0, \"sip:\") }' '$T/out' | sed 1d | sort -u | wc -l | grep -qx 1"
run "reg list AOR" 0 nutss reg list dave@rr.net
check "reg list AOR shows only that AOR" [ "$(grep -c rr.net "$T/out")" = 1 ]
check "static binding stored as static" [ "$(q "SELECT static FROM bindings WHERE contact='sip:10.0.0.5:21'")" = 1 ]
run "reg add replaces" 0 nutss reg add alice@rr.net sip:alice@192.0.2.7:5060 --expires 30
check "replaced, not duplicated" [ "$(q "SELECT count(*) FROM bindings WHERE aor='alice@rr.net'")" = 2 ]
run "reg add bad URI" 2 nutss reg add alice@rr.net 'sip:alice@192.0.2.7>'
check "bad URI message names it" grep -q "sip:alice@192.0.2.7>" "$T/err"
run "reg add non-SIP URI" 2 nutss reg add alice@rr.net http://example.com/
run "reg add bad AOR" 2 nutss reg add alice sip:alice@192.0.2.7
run "reg add descriptor of another AOR" 2 nutss reg add alice@rr.net sip:a@192.0.2.9 --descriptor 'bob@rr.net;app=ftp'
run "reg add --static with --expires" 2 nutss reg add alice@rr.net sip:a@192.0.2.9 --static --expires 5
run "reg add --expires 0" 2 nutss reg add alice@rr.net sip:a@192.0.2.9 --expires 0
run "reg del one" 0 nutss reg del alice@rr.net sip:alice@192.0.2.7:5060
run "reg del one again: not found" 1 nutss reg del alice@rr.net sip:alice@192.0.2.7:5060
run "reg del all of an AOR" 0 nutss reg del dave@rr.net
run "reg del all again: not found" 1 nutss reg del dave@rr.net
run "user del takes the bindings" 0 nutss user del alice@rr.net
check "no bindings left" [ "$(q "SELECT count(*) FROM bindings")" = 0 ]

# --- data dir selection ---
run "NUTSS_DATA_DIR is used" 0 sh -c "NUTSS_DATA_DIR='$T/env' '$NUTSS' reg add e@rr.net sip:e@192.0.2.1 --static"
check "NUTSS_DATA_DIR store created" [ -f "$T/env/nutss.db" ]
run "--data-dir=DIR overrides NUTSS_DATA_DIR" 0 sh -c "NUTSS_DATA_DIR='$T/env' '$NUTSS' --data-dir='$D' reg list e@rr.net"
check "--data-dir store has no e@rr.net" [ ! -s "$T/out" ]
run "missing store: I/O error naming the file" 2 "$NUTSS" --data-dir "$T/none" user list
check "missing store message names the file" grep -q "$T/none/nutss.db" "$T/err"
run "--data-dir without a value" 2 "$NUTSS" --data-dir
run "newer schema refused" 2 sh -c "sqlite3 '$DB' 'PRAGMA user_version = 99' && '$NUTSS' --data-dir '$D' user list"
check "newer schema message" grep -q "newer" "$T/err"
run "nutss --help" 0 "$NUTSS" --help
check "nutss --help lists user and reg" sh -c "grep -q '^  user' '$T/out' && grep -q '^  reg' '$T/out'"

# --- keys ---
K=$T/keys
nk() { "$NUTSS" --data-dir "$K" "$@"; }
run "key list without keys" 1 nk key list
check "key list says how to make one" grep -q "nutss key new" "$T/err"
run "key new with a bad domain" 2 nk key new 'a b'
run "key new" 0 nk key new Example.com
check "keys file is 0600" [ "$(stat -c %a "$K/keys")" = 600 ]
secret1=$(awk '$1 == "key" { print $4 }' "$K/keys")
check "one 32-hex-digit key" sh -c "echo '$secret1' | grep -qxE '[0-9a-f]{32}'"
run "key new again refused" 1 nk key new example.com
check "it says to rotate" grep -q "rotate" "$T/err"
run "key rotate" 0 nk key rotate
run "key rotate again" 0 nk key rotate
run "key list" 0 nk key list
check "two keys live, 3 signs, 2 verifies" sh -c "grep -qE '^3 +93c1bb9f00000003 .*signs' '$T/out' && grep -qE '^2 +93c1bb9f00000002 .*verifies' '$T/out' && ! grep -qE '^1 ' '$T/out'"
check "the key id is the domain tag (lower-cased) and the serial" grep -q 93c1bb9f00000003 "$T/out"
check "list never prints a secret" sh -c "! grep -qE '[0-9a-f]{32}' '$T/out'"
run "key list --json" 0 nk key list --json
check "json is parseable" python3 -c "import json,sys; d=json.load(open('$T/out')); assert d['domain']=='Example.com' and [k['serial'] for k in d['keys']]==[3,2]"
run "key retire unknown" 1 nk key retire 1
run "key retire not a number" 2 nk key retire x
run "key retire 2" 0 nk key retire 2
run "key retire the last" 1 nk key retire 3
chmod 644 "$K/keys"
run "a keys file others can read is refused" 2 nk key list
check "and it says how to fix it" grep -q "chmod 600" "$T/err"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
