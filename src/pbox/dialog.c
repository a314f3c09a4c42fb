// SPDX-License-Identifier: MIT
/*
 * Record-Routes that only we can write (dialog.h): ;dlg= is SipHash-2-4,
 * as a MAC, of the dialog's Call-ID and the caller's From tag. The key
 * comes from the data dir's secret, so dialogs outlive a restart, and 64
 * bits are plenty where every guess costs the guesser a request.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "core/hash.h"
#include "pbox/dialog.h"
#include "pbox/pbox.h"
#include "pbox/local.h"
#include "sip/chars.h"
#include "sip/msg.h"

/* a Call-ID or tag longer than this enters the MAC as its own hash */
#define PART_MAX 400

int dialog_key_init(struct pbox *pb, const uint8_t *secret, size_t len)
{
	static const char label[] = "nutss dialog route key v1";
	unsigned char out[32];
	size_t outlen = 0;

	/* HMAC as a KDF: the nonce key itself is never used for two jobs */
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, secret, len,
		       (const unsigned char *)label, sizeof(label) - 1, out, sizeof(out),
		       &outlen) ||
	    outlen < 16)
		return -EINVAL;
	memcpy(pb->dialog_key, out, 16);
	OPENSSL_cleanse(out, sizeof(out));
	return 0;
}

/* One part of the MAC's input, length first so that no two inputs run together. */
static size_t put_part(const struct pbox *pb, unsigned char *at, struct slice s)
{
	uint16_t len;

	if (s.len > PART_MAX) {
		uint64_t h = siphash(s.p, s.len, pb->dialog_key[0] ^ 1, pb->dialog_key[1], 2, 4);

		len = 0xffff; /* marks a hashed part: no real part is this long here */
		memcpy(at, &len, 2);
		memcpy(at + 2, &h, 8);
		return 10;
	}
	len = (uint16_t)s.len;
	memcpy(at, &len, 2);
	if (s.len)
		memcpy(at + 2, s.p, s.len);
	return 2 + s.len;
}

static uint64_t mac(const struct pbox *pb, struct slice call_id, struct slice tag)
{
	unsigned char in[2 * (2 + PART_MAX)];
	size_t n = put_part(pb, in, call_id);

	n += put_part(pb, in + n, tag);
	return siphash(in, n, pb->dialog_key[0], pb->dialog_key[1], 2, 4);
}

void dialog_param(const struct pbox *pb, const struct sip_msg *m,
		  char out[static DIALOG_PARAM_LEN + 1])
{
	memcpy(out, ";dlg=", 5);
	hex16_put(out + 5, mac(pb, m->call_id, m->from.tag));
	out[DIALOG_PARAM_LEN] = 0;
}

enum dialog_verdict dialog_check(const struct pbox *pb, const struct sip_msg *m)
{
	/*
	 * Not along a route set through us: a Route to another server is
	 * followed (loose routing, as RFC 4475's wsinv expects), and so is a
	 * Request-URI that is an address, both as relaying; one that names our
	 * domain would be looked up, and a dialog is never routed by name.
	 */
	if (!m->nroute || !local_uri_is_us(pb, &m->route[0].uri))
		return local_relays(pb, m) ? DIALOG_ELSEWHERE : DIALOG_FORGED;
	/*
	 * Our entry is the first Route, unless the UA put its outbound proxy
	 * (us again) in front of the route set: look through the Routes that
	 * name us, and no further.
	 */
	for (unsigned i = 0; i < m->nroute && local_uri_is_us(pb, &m->route[i].uri); i++) {
		struct slice dlg = sip_uri_param(&m->route[i].uri, "dlg");
		uint64_t got, want_from, want_to;

		/* ;dlg= as written: 16 hex digits, either case */
		if (dlg.len != 16 || !hex16_get(dlg.p, false, &got))
			continue;
		want_from = mac(pb, m->call_id, m->from.tag);
		want_to = mac(pb, m->call_id, m->to.tag);
		/* whole words compared: no byte-at-a-time early exit to time */
		if (got == want_from || got == want_to)
			return DIALOG_OURS;
	}
	return DIALOG_FORGED;
}
