// SPDX-License-Identifier: MIT
/*
 * REGISTER (RFC 3261 10.3) with NUTSS descriptors: the To URI's parameters
 * are the descriptor being registered (paper 2, 3.2), partial ones
 * included; Path (RFC 3327) is stored and used when routing to the binding.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "pbox/location.h"
#include "pbox/auth.h"
#include "pbox/registrar.h"
#include "pbox/reply.h"
#include "pbox/store.h"
#include "pbox/worker.h"
#include "sip/build.h"
#include "sip/chars.h"

#define DEFAULT_EXPIRES 3600
#define MAX_EXPIRES	86400

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* All of m's Path values, comma-joined, as they will go into Route headers. */
static int join_path(const struct sip_msg *m, char *mem, size_t len)
{
	struct buf b;

	buf_init_str(&b, mem, len);
	for (unsigned i = 0; i < m->npath; i++) {
		if (i)
			buf_put(&b, ",", 1);
		buf_slice(&b, m->path[i].raw);
	}
	buf_str(&b);
	return buf_done(&b);
}

/*
 * Make a binding durable before its 200 OK: with SQLite in WAL mode a
 * committed row survives kill -9 of the daemon (docs/pbox.md, "Store").
 */
static int persist(struct worker *w, const struct loc_binding *b)
{
	char aor[LOC_MAX_DESC], contact[LOC_MAX_CONTACT], callid[LOC_MAX_CALLID];
	char desc[LOC_MAX_DESC], path[LOC_MAX_PATH];
	struct store_binding sb = {
		.aor = aor,
		.contact = contact,
		.descriptor = desc,
		.path = path,
		.call_id = callid,
		.q = b->q,
		.cseq = b->cseq,
		.expires_at = b->expires_at,
		.is_static = !b->expires_at,
	};

	if (!slice_copy(aor, sizeof(aor), b->aor) ||
	    !slice_copy(contact, sizeof(contact), b->contact) ||
	    !slice_copy(callid, sizeof(callid), b->call_id) ||
	    !slice_copy(desc, sizeof(desc), b->descriptor) ||
	    !slice_copy(path, sizeof(path), b->path))
		return -ENAMETOOLONG;
	return store_binding_put(w->store, &sb);
}

static void unpersist(struct worker *w, struct slice aor, struct slice contact)
{
	char a[LOC_MAX_DESC], c[LOC_MAX_CONTACT];
	int ret;

	if (!slice_copy(a, sizeof(a), aor) || !slice_copy(c, sizeof(c), contact))
		return;
	ret = store_binding_del(w->store, a, contact.len ? c : NULL);
	if (ret < 0 && ret != -ENOENT)
		log_warn("cannot delete %s from the store: %s", a, strerror(-ret));
}

static unsigned contact_expires(const struct sip_msg *m, const struct sip_addr *a)
{
	struct cur c;
	uint64_t v = DEFAULT_EXPIRES;

	if (a->expires.len) {
		c = cur_of(a->expires);
		cur_uint(&c, SIP_MAX_EXPIRES, &v); /* validated by the parser */
	} else if (m->expires >= 0) {
		v = (uint64_t)m->expires;
	}
	return v > MAX_EXPIRES ? MAX_EXPIRES : (unsigned)v;
}

static float contact_q(const struct sip_addr *a)
{
	char buf[16];
	float q = 1.0f;

	if (a->q.len && slice_copy(buf, sizeof(buf), a->q) && sscanf(buf, "%f", &q) == 1 &&
	    q >= 0 && q <= 1)
		return q;
	return 1.0f;
}

/* The 200 OK lists every current binding with its remaining time (RFC 3261 10.3 step 8). */
static void reply_bindings(struct worker *w, const struct packet *pkt, const struct sip_msg *m,
			   struct slice aor, bool echo_path)
{
	static __thread struct loc_candidate c[LOC_MAX_BINDINGS];
	char hdrs[8192];
	struct buf b;
	int64_t now = now_s();
	unsigned n = location_get(w->pb->loc, aor, now, c, LOC_MAX_BINDINGS);

	buf_init_str(&b, hdrs, sizeof(hdrs));
	for (unsigned i = 0; i < n; i++)
		buf_printf(&b, "Contact: <%s>;expires=%ld\r\n", c[i].contact,
			   c[i].expires_at ? (long)(c[i].expires_at - now) : MAX_EXPIRES);
	for (unsigned i = 0; echo_path && i < m->npath; i++)
		sip_build_header(&b, "Path", m->path[i].raw);
	if (buf_done(&b) < 0) {
		reply_send(w, pkt, m, 500, "too many bindings to list", NULL);
		return;
	}
	reply_send(w, pkt, m, 200, NULL, buf_str(&b));
}

bool registrar_handle(struct worker *w, struct pbox *pb, struct sip_msg *m,
		      const struct packet *pkt)
{
	struct sip_err err = { 0 };
	struct desc d;
	char desc[LOC_MAX_DESC], path[LOC_MAX_PATH], aor[LOC_MAX_DESC];
	int dlen, plen;
	bool supported_path = false;
	int64_t now = now_s();

	/*
	 * RFC 3261 10.3 step 1: bindings we cannot hold (a To that is not a
	 * sip: or sips: address, RFC 4475 unksm2) are proxied on, not refused.
	 */
	if (m->to.uri.scheme_id != SIP_SCHEME_SIP && m->to.uri.scheme_id != SIP_SCHEME_SIPS)
		return false;
	if (!desc_from_uri(&d, &m->to.uri, &err)) {
		reply_send(w, pkt, m, 400, err.what, NULL);
		return true;
	}
	if (!d.aor.p) { /* a password sat between user and domain */
		int n = desc_aor(&d, aor, sizeof(aor));

		if (n < 0) {
			reply_send(w, pkt, m, 400, "address of record too long", NULL);
			return true;
		}
		d.aor = slice_make(aor, (size_t)n);
	}
	/* Step 3: we hold bindings for our own domain only. */
	if (!slice_caseeq_cstr(d.domain, pb->cfg.domain)) {
		reply_send(w, pkt, m, 404, "not a user of this domain", NULL);
		return true;
	}
	if (pb->cfg.auth && !auth_check(w, pb, m, pkt, SIP_H_AUTHORIZATION, d.aor))
		return true; /* challenged or refused */
	for (unsigned i = 0; i < m->ntags; i++)
		supported_path |= m->tags[i].hdr_id == SIP_H_SUPPORTED &&
				  SLICE_CASEEQ_LIT(m->tags[i].tag, "path");
	if (m->contact_star) {
		if (m->expires != 0) {
			reply_send(w, pkt, m, 400, "'Contact: *' needs 'Expires: 0'", NULL);
			return true;
		}
		location_remove(pb->loc, d.aor, SLICE_NULL);
		unpersist(w, d.aor, SLICE_NULL);
		reply_bindings(w, pkt, m, d.aor, supported_path);
		return true;
	}
	dlen = desc_format(&d, desc, sizeof(desc));
	plen = join_path(m, path, sizeof(path));
	if (dlen < 0 || plen < 0) {
		reply_send(w, pkt, m, 400, "descriptor or Path too long", NULL);
		return true;
	}
	for (unsigned i = 0; i < m->ncontact; i++) {
		const struct sip_addr *a = &m->contact[i];
		unsigned exp = contact_expires(m, a);
		struct loc_binding b = {
			.aor = d.aor,
			.contact = a->uri.raw,
			.descriptor = slice_make(desc, (size_t)dlen),
			.path = slice_make(path, (size_t)plen),
			.call_id = m->call_id,
			.cseq = m->cseq.seq,
			.q = contact_q(a),
			.expires_at = now + exp,
		};
		int ret;

		if (a->uri.scheme_id != SIP_SCHEME_SIP && a->uri.scheme_id != SIP_SCHEME_SIPS) {
			reply_send(w, pkt, m, 400, "a Contact must be a sip: or sips: URI", NULL);
			return true;
		}
		if (!exp) {
			location_remove(pb->loc, d.aor, a->uri.raw);
			unpersist(w, d.aor, a->uri.raw);
			continue;
		}
		ret = location_update(pb->loc, &b, now);
		log_debug("binding %.*s -> %.*s: %d", SLICE_FMT(d.aor), SLICE_FMT(a->uri.raw), ret);
		if (ret == -EALREADY) {
			/* RFC 3261 10.3 step 7: an old or repeated REGISTER of the same Call-ID */
			reply_send(w, pkt, m, 500, "CSeq not above the stored registration", NULL);
			return true;
		}
		if (!ret && (ret = persist(w, &b)) < 0) {
			/* not durable, so not acknowledged: undo and say so */
			location_remove(pb->loc, d.aor, a->uri.raw);
			log_error("cannot store the binding of %.*s: %s", SLICE_FMT(d.aor),
				  strerror(-ret));
			reply_send(w, pkt, m, 500, "cannot store the binding", NULL);
			return true;
		}
		if (ret < 0) {
			reply_send(w, pkt, m, ret == -E2BIG ? 403 : 500,
				    ret == -E2BIG ? "too many bindings for this address"
						  : "cannot store the binding",
				    NULL);
			return true;
		}
	}
	log_debug("REGISTER %.*s: %u contact(s)", SLICE_FMT(d.aor), m->ncontact);
	reply_bindings(w, pkt, m, d.aor, supported_path);
	return true;
}
