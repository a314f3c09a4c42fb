#!/bin/bash
# SPDX-License-Identifier: MIT
# `make demo`: what nutss can do today, narrated: a P-Box with users, a
# server registered by name and an authenticated call to it (demo-pbox.sh),
# flows by name (demo-flow.sh), the M-Box and unmodified programs on names
# (demo-mbox.sh, one namespace topology for both), then the SIP core
# through `nutss sip lint` and the policy language deciding flows with the
# paper's Figure 5.
set -u
B=${1:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
nutss=$top/$B/nutss
cd "$top"

say() { printf '\n== %s\n' "$*"; }
run() { printf "$"; printf " %q" "$@"; printf "\n"; "$@"; }

"$top/scripts/demo-pbox.sh" "$B"
"$top/scripts/demo-flow.sh" "$B"
"$top/scripts/demo-mbox.sh" "$B"

echo
echo "==== Under the hood: the SIP core and the policy language"

say "22. A client's flow request: an INVITE to alice@rr.net;app=ftp;type=server carrying"
echo "   a NUTSS flow (m=data ... tcp ftp) and digest credentials. The SIP core parses it:"
run "$nutss" sip lint examples/sip/invite-flow.sip
echo "   ...and --json shows every field it split out; here, the NUTSS flow descriptor"
echo "   (paper 2, Table 2) read from the To/From URIs and the SDP:"
"$nutss" sip lint --json examples/sip/invite-flow.sip | sed -n '/^  "flow": {/,/^  }/p'
echo "   [... 'nutss sip lint --json examples/sip/invite-flow.sip' shows the rest]"

say "23. A malformed request is refused with the place and the reason:"
run "$nutss" sip lint examples/sip/bad-request-uri.sip

say "24. A well-formed message a server must still refuse (two Call-IDs):"
run "$nutss" sip lint examples/sip/two-call-ids.sip
run "$nutss" sip lint --strict examples/sip/two-call-ids.sip

corpus=$top/../shared/testdata/rfc4475
if [ -d "$corpus" ]; then
	say "25. The RFC 4475 torture tests, all 49 (exit 1 expected: 19 are invalid):"
	"$nutss" sip lint "$corpus"/*.dat >/tmp/nutss-demo.$$ 2>&1
	echo "   exit $?: $(grep -c ': ok$' /tmp/nutss-demo.$$) ok," \
		"$(grep -c ': warning:' /tmp/nutss-demo.$$) warnings," \
		"$(grep -c ': error:' /tmp/nutss-demo.$$) errors"
	rm -f /tmp/nutss-demo.$$
fi

say "26. Policy: the paper's Figure 5 (examples/ftp-server.pol, verbatim) with Acme's"
echo "   domain policy. An Acme user connecting from home must use SSL and is sent"
echo "   through the virus checker:"
run "$nutss" policy test examples/acme.pol examples/ftp-server.pol \
	--from 'bob@acme.org;app=ftp;type=client;location=home' \
	--to 'root@acme.org;app=ftp;type=server' --flow 'm=data 0 tcp ftp'
echo "   A user from outside Acme is refused:"
run "$nutss" policy test examples/acme.pol examples/ftp-server.pol \
	--from 'eve@evil.example;app=ftp;type=client' \
	--to 'root@acme.org;app=ftp;type=server' --flow 'm=data 0 tcp ftp'
echo
echo "Done. 'make test' runs the test suite; 'make bench' measures the parser and policy."
