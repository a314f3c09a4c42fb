#!/bin/sh
# SPDX-License-Identifier: MIT
# `make demo`: what nutss can do today, narrated. The P-Box (issue 3) is not
# built yet, so the demo shows the SIP core through `nutss sip lint` on
# example messages and, when the policy language is built, a policy decision
# on the paper's Figure 5.
set -u
B=${1:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
nutss=$top/$B/nutss
cd "$top"

say() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "1. A client's flow request: an INVITE to alice@rr.net;app=ftp;type=server carrying"
echo "   a NUTSS flow (m=data ... tcp ftp) and digest credentials. The SIP core parses it:"
run "$nutss" sip lint examples/sip/invite-flow.sip
echo "   ...and --json shows every field it split out; here, the NUTSS flow descriptor"
echo "   (paper 2, Table 2) read from the To/From URIs and the SDP:"
"$nutss" sip lint --json examples/sip/invite-flow.sip | sed -n '/^  "flow": {/,/^  }/p'
echo "   [... 'nutss sip lint --json examples/sip/invite-flow.sip' shows the rest]"

say "2. A malformed request is refused with the place and the reason:"
run "$nutss" sip lint examples/sip/bad-request-uri.sip

say "3. A well-formed message a server must still refuse (two Call-IDs):"
run "$nutss" sip lint examples/sip/two-call-ids.sip
run "$nutss" sip lint --strict examples/sip/two-call-ids.sip

corpus=$top/../shared/testdata/rfc4475
if [ -d "$corpus" ]; then
	say "4. The RFC 4475 torture tests, all 49 (exit 1 expected: 19 are invalid):"
	"$nutss" sip lint "$corpus"/*.dat >/tmp/nutss-demo.$$ 2>&1
	echo "   exit $?: $(grep -c ': ok$' /tmp/nutss-demo.$$) ok," \
		"$(grep -c ': warning:' /tmp/nutss-demo.$$) warnings," \
		"$(grep -c ': error:' /tmp/nutss-demo.$$) errors"
	rm -f /tmp/nutss-demo.$$
fi

if "$nutss" policy --help >/dev/null 2>&1 && [ -f examples/figure5.pol ]; then
	say "5. Policy: the paper's Figure 5, for an Acme user connecting from outside:"
	run "$nutss" policy test examples/figure5.pol \
		--from 'bob@acme.org;app=ftp;type=client;location=home' \
		--to 'root@acme.org;app=ftp;type=server'
fi
echo
echo "Done. 'make test' runs the test suite; 'make bench-parse' measures the parser."
