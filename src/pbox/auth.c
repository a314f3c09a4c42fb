// SPDX-License-Identifier: MIT
/*
 * Digest authentication of requests (RFC 3261 22, RFC 7616/8760) with
 * stateless nonces (paper 1, 3.1; docs/pbox.md). The order keeps an
 * attacker's cost to us low: the nonce MAC is checked before any user is
 * looked up, the digest before the nonce is consumed, so requests without
 * credentials or with a forged nonce never touch the replay cache.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "pbox/nonce.h"
#include "pbox/auth.h"
#include "pbox/reply.h"
#include "pbox/users.h"
#include "pbox/worker.h"

/* One WWW-Authenticate (or Proxy-Authenticate) per algorithm offered, in the configured order. */
static void challenge(struct worker *w, struct pbox *pb, struct sip_msg *m,
		      const struct packet *pkt, unsigned status, bool stale)
{
	const char *name = status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
	char nonce[NONCE_LEN + 1], hdrs[1024], algs[64], *save, *tok;
	struct buf b;

	if (nonce_make(pb->nonces, (const struct sockaddr *)&pkt->src, (uint64_t)time(NULL),
		       nonce) < 0) {
		reply_send(w, pkt, m, 500, "cannot make a nonce", NULL);
		return;
	}
	buf_init_str(&b, hdrs, sizeof(hdrs));
	snprintf(algs, sizeof(algs), "%s", pb->cfg.auth_algorithms);
	for (tok = strtok_r(algs, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		struct digest_challenge c = {
			.realm = slice_cstr(pb->cfg.domain),
			.nonce = slice_make(nonce, NONCE_LEN),
			.qop = SLICE_LIT("auth"),
			.alg = digest_alg_of(slice_cstr(tok)),
			.stale = stale,
		};

		buf_puts(&b, name);
		buf_put(&b, ": ", 2);
		if (!digest_put_challenge(&b, &c)) {
			b.overflow = true; /* not sent: half a header */
			break;
		}
		buf_put(&b, "\r\n", 2);
	}
	if (buf_done(&b) < 0) {
		reply_send(w, pkt, m, 500, "challenge too large", NULL);
		return;
	}
	log_debug("%u challenge for %.*s %.*s%s", status, SLICE_FMT(m->method), SLICE_FMT(m->call_id),
		  stale ? " (stale)" : "");
	reply_send(w, pkt, m, status, NULL, buf_str(&b));
}

/* The credentials for our realm in header hdr, or NULL. */
static const struct sip_auth *credentials(const struct pbox *pb, const struct sip_msg *m,
					  enum sip_hdr_id hdr)
{
	for (unsigned i = 0; i < m->nauth; i++) {
		const struct sip_auth *a = &m->auth[i].auth;

		if (m->auth[i].hdr_id == hdr && a->is_digest &&
		    slice_caseeq_cstr(a->realm, pb->cfg.domain))
			return a;
	}
	return NULL;
}

bool auth_check(struct worker *w, struct pbox *pb, struct sip_msg *m, const struct packet *pkt,
		enum sip_hdr_id hdr, struct slice aor)
{
	unsigned status = hdr == SIP_H_AUTHORIZATION ? 401 : 407;
	const struct sip_auth *cred = credentials(pb, m, hdr);
	uint64_t now = (uint64_t)time(NULL);
	char ha1[DIGEST_HEX_BUF];
	const char *at = memchr(aor.p, '@', aor.len);
	struct slice user = slice_make(aor.p, at ? (size_t)(at - aor.p) : aor.len);

	if (!cred) {
		challenge(w, pb, m, pkt, status, false);
		return false;
	}
	switch (nonce_check(pb->nonces, cred->nonce, (const struct sockaddr *)&pkt->src, now)) {
	case NONCE_OK:
		break;
	case NONCE_STALE:
		challenge(w, pb, m, pkt, status, true);
		return false;
	default: /* forged, for another client, or malformed: ask again, quietly */
		challenge(w, pb, m, pkt, status, false);
		return false;
	}
	/* The credentials must be the requester's own, for this very request. */
	if (!slice_eq(cred->username, user)) {
		reply_send(w, pkt, m, 403, "credentials are for another user", NULL);
		return false;
	}
	if (pb->cfg.auth_check_uri && !slice_eq(cred->uri, m->ruri_raw)) {
		reply_send(w, pkt, m, 403, "digest uri is not the Request-URI", NULL);
		return false;
	}
	/* pb->users is swapped by SIGHUP: read it once, with acquire ordering */
	if (users_ha1(__atomic_load_n(&pb->users, __ATOMIC_ACQUIRE), aor,
		      (enum digest_alg)cred->alg, ha1) < 0 ||
	    !digest_verify(cred, m->method, slice_cstr(ha1), m->body)) {
		log_info("authentication failed for %.*s", SLICE_FMT(aor));
		reply_send(w, pkt, m, 403, "wrong user or password", NULL);
		return false;
	}
	switch (nonce_consume(pb->nonces, cred->nonce, now)) {
	case NONCE_OK:
		return true;
	case NONCE_REPLAY: /* each nonce once (paper 1, 3.1): a copy of this request gets nothing */
		log_info("replayed nonce from %.*s refused", SLICE_FMT(aor));
		challenge(w, pb, m, pkt, status, true);
		return false;
	default: /* the replay memory is full of live nonces: never forget one, re-challenge */
		challenge(w, pb, m, pkt, status, true);
		return false;
	}
}

int auth_nextnonce(const struct pbox *pb, const struct sip_msg *req, const struct sockaddr *client,
		   char *out, size_t cap)
{
	char nonce[NONCE_LEN + 1];
	int n;

	if (!pb->cfg.auth || !credentials(pb, req, SIP_H_PROXY_AUTHORIZATION) ||
	    nonce_make(pb->nonces, client, (uint64_t)time(NULL), nonce) < 0)
		return 0;
	n = snprintf(out, cap, "Proxy-Authentication-Info: nextnonce=\"%.*s\"\r\n", NONCE_LEN,
		     nonce);
	return n > 0 && (size_t)n < cap ? n : 0;
}
