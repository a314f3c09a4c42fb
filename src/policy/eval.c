// SPDX-License-Identifier: MIT
/*
 * Deciding a flow: a walk over each file's instructions. Everything it needs
 * lives on the stack (attribute values are looked up at most once per
 * decision and cached by interned key), so a decision never allocates and
 * any number of threads can decide on one policy at once.
 */
#include <string.h>

#include "policy/internal.h"

/*
 * How values compare (docs/policy.md, "Matching"): ASCII case-insensitive,
 * as SIP compares tokens and host names, except the user part of
 * user@domain, which SIP compares exactly (RFC 3261 19.1.4). fold is the
 * first position of v that compares without case.
 */
static bool is_user_attr(uint8_t attr)
{
	return attr == A_FROM_USER || attr == A_TO_USER;
}

static size_t fold_from(uint8_t attr, const char *v, size_t n)
{
	const char *at;

	if (!is_user_attr(attr))
		return 0;
	at = memchr(v, '@', n);
	return at ? (size_t)(at - v) + 1 : n;
}

/* pat[0..n) against v[0..n), where v starts at position base of its value. */
static bool eq_at(const char *pat, const char *v, size_t n, size_t base, size_t fold)
{
	if (base >= fold)
		return ascii_ieq(pat, v, n);
	for (size_t i = 0; i < n; i++)
		if (pat[i] != v[i] && (base + i < fold || ascii_lower((unsigned char)pat[i]) !=
								  ascii_lower((unsigned char)v[i])))
			return false;
	return true;
}

bool policy_value_eq(uint8_t attr, const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && eq_at(a, b, alen, 0, fold_from(attr, b, blen));
}

uint32_t policy_hash(uint8_t attr, const char *v, size_t n)
{
	size_t fold = fold_from(attr, v, n);
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		h ^= i >= fold ? ascii_lower(c) : c;
		h *= 16777619u;
	}
	return h;
}

/* Wildcards: GLOB_STAR any run of bytes, GLOB_ONE one byte. Linear unless stars backtrack. */
static bool glob(const char *p, size_t pn, const char *v, size_t vn, size_t fold)
{
	size_t pi = 0, vi = 0, star = (size_t)-1, mark = 0;

	while (vi < vn) {
		if (pi < pn && p[pi] == GLOB_STAR) {
			star = pi++;
			mark = vi;
		} else if (pi < pn && (p[pi] == GLOB_ONE || eq_at(p + pi, v + vi, 1, vi, fold))) {
			pi++;
			vi++;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			vi = ++mark;
		} else {
			return false;
		}
	}
	while (pi < pn && p[pi] == GLOB_STAR)
		pi++;
	return pi == pn;
}

static bool match(const struct insn *in, const char *pool, struct slice v)
{
	const char *pat = pool + in->voff;
	size_t pn = in->vlen, fold;

	if (!v.p)
		return false; /* absent: IS and LIKE never match, so NOT always does */
	fold = fold_from(in->attr, v.p, v.len);
	switch (in->match) {
	case M_EXACT:
		return v.len == pn && eq_at(pat, v.p, pn, 0, fold);
	case M_PREFIX:
		return v.len >= pn && eq_at(pat, v.p, pn, 0, fold);
	case M_SUFFIX:
		return v.len >= pn && eq_at(pat, v.p + v.len - pn, pn, v.len - pn, fold);
	case M_ANY:
		return true;
	case M_GLOB:
		return glob(pat, pn, v.p, v.len, fold);
	}
	return false;
}

/* Decimal digits of v into buf (at least 5 bytes); snprintf() was a third of Figure 5's cost. */
static size_t utoa16(char *buf, uint16_t v)
{
	char tmp[5];
	size_t n = 0, o = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[o++] = tmp[--n];
	return o;
}

struct st {
	const struct policy *p;
	const struct flow_desc *f;
	struct policy_trace *trace;
	uint64_t have[2]; /* which cache[side][key] are filled */
	struct slice cache[2][POLICY_MAX_KEYS];
	struct slice enc; /* a require() changes what later tests of flow.enc see */
	char portbuf[8];
	struct slice port;
	bool port_done;
};

static struct slice present(struct slice s)
{
	return s.p ? s : SLICE_NULL;
}

static struct slice key_value(struct st *s, int side, uint16_t key)
{
	if (!(s->have[side] & (1ull << key))) {
		const struct desc *d = side ? &s->f->to : &s->f->from;

		s->cache[side][key] =
			desc_get_slice(d, slice_make(s->p->keys.name[key], s->p->keys.len[key]));
		s->have[side] |= 1ull << key;
	}
	return s->cache[side][key];
}

static struct slice value(struct st *s, uint8_t attr, uint16_t key)
{
	const struct flow_desc *f = s->f;

	switch (attr) {
	case A_FROM_USER:
		return f->from.aor.len ? f->from.aor : SLICE_NULL;
	case A_FROM_DOMAIN:
		return f->from.domain.len ? f->from.domain : SLICE_NULL;
	case A_FROM_KEY:
		return key_value(s, 0, key);
	case A_TO_USER:
		return f->to.aor.len ? f->to.aor : SLICE_NULL;
	case A_TO_DOMAIN:
		return f->to.domain.len ? f->to.domain : SLICE_NULL;
	case A_TO_KEY:
		return key_value(s, 1, key);
	case A_FLOW_PROTOCOL:
		return present(f->protocol);
	case A_FLOW_APP:
		return present(f->app);
	case A_FLOW_ENC:
		return present(s->enc);
	case A_FLOW_ADDRESS:
		return present(f->address);
	case A_FLOW_PORT:
		if (!s->port_done) {
			size_t n = utoa16(s->portbuf, f->port);

			s->port = f->port ? slice_make(s->portbuf, n) : SLICE_NULL;
			s->port_done = true;
		}
		return s->port;
	}
	return SLICE_NULL;
}

static bool test(struct st *s, const struct insn *in, const char *pool)
{
	if (in->attr == A_FLOW_TAINT) {
		unsigned n = s->f->ntaint < FLOW_MAX_TAINTS ? s->f->ntaint : FLOW_MAX_TAINTS;

		for (unsigned i = 0; i < n; i++)
			if (match(in, pool, present(s->f->taint[i])))
				return true;
		return false;
	}
	return match(in, pool, value(s, in->attr, in->key));
}

static void step(struct st *s, const struct policy_site *site, enum policy_step_kind kind)
{
	struct policy_trace *t = s->trace;

	if (!t)
		return;
	if (t->n == POLICY_TRACE_MAX) {
		t->truncated = true;
		return;
	}
	t->step[t->n].site = site;
	t->step[t->n].kind = kind;
	t->n++;
}

static uint32_t lookup(struct st *s, const struct pfile *pf, const struct insn *in)
{
	struct slice v = value(s, in->attr, in->key);
	uint32_t h, mask = in->vlen - 1;

	if (!v.p)
		return in->jf;
	h = policy_hash(in->attr, v.p, v.len);
	for (uint32_t k = h & mask;; k = (k + 1) & mask) {
		const struct dent *e = &pf->table[in->voff + k];

		if (e->vlen == NONE)
			return in->jf;
		if (e->hash == h &&
		    policy_value_eq(in->attr, pf->pool + e->voff, e->vlen, v.p, v.len))
			return e->target;
	}
}

struct outcome {
	uint8_t op; /* OP_ACCEPT, OP_DENY, OP_REDIRECT or OP_RET */
	const struct insn *in;
	bool overflow; /* more distinct require()s than a decision holds */
};

static void require(struct st *s, struct policy_decision *d, struct outcome *o, struct slice enc)
{
	s->enc = enc;
	for (unsigned i = 0; i < d->nrequire; i++)
		if (slice_caseeq(d->require[i], enc))
			return;
	if (d->nrequire == POLICY_MAX_REQUIRE) {
		o->overflow = true;
		return;
	}
	d->require[d->nrequire++] = enc;
}

static struct outcome run(struct st *s, const struct pfile *pf, struct policy_decision *d)
{
	struct outcome o = { .op = OP_RET };
	uint32_t pc = 0;

	for (;;) {
		const struct insn *in = &pf->code[pc];

		switch (in->op) {
		case OP_TEST: {
			bool m = test(s, in, pf->pool);
			uint8_t fl = m ? in->flags & 3 : (in->flags >> 2) & 3;

			if (fl && s->trace)
				step(s, &pf->sites[in->site],
				     fl == 1 ? POLICY_STEP_TRUE : POLICY_STEP_FALSE);
			pc = m ? in->jt : in->jf;
			break;
		}
		case OP_DISPATCH:
			pc = lookup(s, pf, in);
			break;
		case OP_JUMP:
			pc = in->jt;
			break;
		case OP_MARK:
			step(s, &pf->sites[in->site], POLICY_STEP_TRUE);
			pc++;
			break;
		case OP_REQUIRE:
			step(s, &pf->sites[in->site], POLICY_STEP_ACTION);
			require(s, d, &o, slice_make(pf->pool + in->voff, in->vlen));
			pc++;
			break;
		case OP_ACCEPT:
		case OP_DENY:
		case OP_REDIRECT:
			step(s, &pf->sites[in->site], POLICY_STEP_ACTION);
			o.op = in->op;
			o.in = in;
			return o;
		default: /* OP_RET */
			return o;
		}
	}
}

/*
 * A word at a time: byte-wise FNV over the fields was most of Figure 5's
 * decision. The length goes into the last word, so ("ab","c") and ("a","bc")
 * differ. Words are read in host order: a uid is only ever compared with
 * uids of the same P-Box.
 */
static uint64_t mix(uint64_t h, struct slice s)
{
	uint64_t w;
	size_t i = 0;

	for (; i + 8 <= s.len; i += 8) {
		memcpy(&w, s.p + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	w = 0;
	if (s.len > i)
		memcpy(&w, s.p + i, s.len - i);
	h = (h ^ w ^ ((uint64_t)s.len << 56)) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

uint64_t policy_uid(const struct flow_desc *f, struct slice session)
{
	char port[8];
	uint64_t h = 0x6e75747373756964ull; /* "nutssuid" */

	h = mix(h, session);
	h = mix(h, f->from.aor);
	h = mix(h, f->to.aor);
	h = mix(h, f->protocol);
	h = mix(h, f->app);
	h = mix(h, f->address);
	h = mix(h, slice_make(port, utoa16(port, f->port)));
	/* splitmix64's finaliser */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

const char *policy_verdict_name(enum policy_verdict v)
{
	switch (v) {
	case POLICY_ACCEPT:
		return "accept";
	case POLICY_REDIRECT:
		return "redirect";
	case POLICY_DENY:
		break;
	}
	return "deny";
}

static enum policy_verdict deny(struct policy_decision *d, const struct policy_site *site,
				struct slice reason)
{
	d->verdict = POLICY_DENY;
	d->site = site;
	d->reason = reason;
	d->redirect = SLICE_NULL;
	d->nrequire = 0;
	d->nparams = 0;
	d->has_uid = false;
	d->uid = 0;
	return POLICY_DENY;
}

enum policy_verdict policy_eval(const struct policy *p, const struct flow_desc *f,
				struct policy_decision *d, struct policy_trace *trace)
{
	struct st s;
	const struct policy_site *accepted = NULL, *redirected = NULL;
	bool overflow = false;

	memset(d, 0, sizeof(*d));
	s.p = p;
	s.f = f;
	s.trace = trace;
	s.have[0] = s.have[1] = 0;
	s.enc = f->enc;
	s.port_done = false;
	if (trace) {
		trace->n = 0;
		trace->truncated = false;
	}
	for (unsigned i = 0; i < p->nfiles; i++) {
		const struct pfile *pf = p->files[i];
		struct outcome o = run(&s, pf, d);
		const struct policy_site *site = o.in ? &pf->sites[o.in->site] : NULL;

		overflow |= o.overflow;
		if (o.op == OP_DENY)
			return deny(d, site,
				    o.in->voff == NONE
					    ? SLICE_NULL
					    : slice_make(pf->pool + o.in->voff, o.in->vlen));
		if (o.op == OP_ACCEPT && !accepted)
			accepted = site;
		if (o.op != OP_REDIRECT)
			continue;
		if (redirected) {
			/* Two middleboxes for one flow: honouring either would bypass the other. */
			if (!slice_caseeq(slice_make(pf->pool + o.in->voff, o.in->vlen),
					  d->redirect))
				return deny(d, site, SLICE_LIT("conflicting redirects"));
			continue;
		}
		redirected = site;
		d->redirect = slice_make(pf->pool + o.in->voff, o.in->vlen);
		for (uint32_t k = 0; k < o.in->jf; k++) {
			const struct param *pr = &pf->params[o.in->jt + k];

			if (pr->uid)
				d->has_uid = true;
			else if (d->nparams < POLICY_MAX_PARAMS)
				d->params[d->nparams++] = slice_make(pf->pool + pr->voff, pr->vlen);
		}
	}
	if (overflow)
		return deny(d, redirected ? redirected : accepted,
			    SLICE_LIT("more require()s than one flow can carry"));
	if (redirected) {
		d->verdict = POLICY_REDIRECT;
		d->site = redirected;
		if (d->has_uid)
			d->uid = policy_uid(f, SLICE_NULL);
	} else if (accepted) {
		d->verdict = POLICY_ACCEPT;
		d->site = accepted;
		d->redirect = SLICE_NULL;
	} else {
		return deny(d, NULL, SLICE_NULL);
	}
	return d->verdict;
}
