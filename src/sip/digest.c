// SPDX-License-Identifier: MIT
/*
 * Digest authentication for SIP: header-value parser, builders, and the
 * RFC 2617 / RFC 7616 / RFC 8760 computations through OpenSSL's EVP API.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sip/chars.h"
#include "sip/digest.h"

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

/* The directives copied to named fields of struct sip_auth. */
#define FIELD(n, member)                                                                           \
	{                                                                                          \
		n, sizeof(n) - 1, offsetof(struct sip_auth, member)                                \
	}
static const struct {
	const char *name;
	size_t len; /* compared first: most names differ in length */
	size_t off;
} fields[] = {
    FIELD("username", username), FIELD("realm", realm),
    FIELD("nonce", nonce),	 FIELD("uri", uri),
    FIELD("response", response), FIELD("algorithm", algorithm),
    FIELD("cnonce", cnonce),	 FIELD("opaque", opaque),
    FIELD("qop", qop),		 FIELD("nc", nc),
    FIELD("stale", stale),	 FIELD("domain", domain),
    FIELD("userhash", userhash),
};
#undef FIELD

static bool is_token68(unsigned char ch)
{
	return cc_is(ch, CC_ALPHA | CC_DIGIT) || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
	       ch == '+' || ch == '/';
}

/*
 * token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 * taking the whole rest. That can never also be a valid parameter list,
 * whose every '=' is followed by a value, so trying it first is unambiguous.
 */
static bool take_token68(struct sip_auth *a, struct cur *c)
{
	const char *p = c->p;

	while (p < c->end && is_token68((unsigned char)*p))
		p++;
	if (p == c->p)
		return false;
	while (p < c->end && *p == '=')
		p++;
	if (p != c->end)
		return false;
	a->token68 = slice_make(c->p, (size_t)(p - c->p));
	c->p = p;
	return true;
}

/* Index into fields[] of a directive name, or -1: the length picks at most three candidates. */
static int field_of(struct slice name)
{
	/* fields[] indexes plus one, by name length; 0 ends a list */
	static const uint8_t by_len[10][3] = {
	    [2] = {10},	      /* nc */
	    [3] = {4, 9},     /* uri, qop */
	    [5] = {2, 3, 11}, /* realm, nonce, stale */
	    [6] = {7, 8, 12}, /* cnonce, opaque, domain */
	    [8] = {1, 5, 13}, /* username, response, userhash */
	    [9] = {6},	      /* algorithm */
	};

	if (name.len >= sizeof(by_len) / sizeof(by_len[0]))
		return -1;
	for (int i = 0; i < 3 && by_len[name.len][i]; i++) {
		int f = by_len[name.len][i] - 1;

		if (token_is_lower(name.p, name.len, fields[f].name))
			return f;
	}
	return -1;
}

static bool set_field(struct sip_auth *a, struct slice name, struct slice value,
		      struct sip_err *err)
{
	int i = field_of(name);
	struct slice *f;

	if (i < 0)
		return true;
	f = (struct slice *)((char *)a + fields[i].off);
	if (!f->p)
		*f = value;
	else if (a->is_digest)
		return sip_fail(err, name.p, "duplicated Digest parameter");
	/* other schemes: the first one wins, all stay in params */
	return true;
}

static bool parse_param(struct sip_auth *a, struct cur *c, struct sip_pool *pool, unsigned start,
			struct sip_err *err)
{
	struct slice name, value;

	name = cur_span(c, CC_TOKEN);
	if (!name.len)
		return sip_fail(err, c->p,
				cur_eof(c) || cur_peek(c) == ',' ? "empty list element"
								 : "malformed parameter name");
	if (!cur_sep(c, '=')) {
		struct cur look = *c;

		cur_skip_lws(&look);
		if (look.p > c->p && look.p < look.end && cc_is((unsigned char)*look.p, CC_TOKEN))
			return sip_fail(err, name.p, "more than one challenge in one header value");
		return sip_fail(err, c->p, "parameter without '='");
	}
	if (cur_peek(c) == '"') {
		if (!cur_quoted(c, &value, err))
			return false;
	} else {
		value = cur_span(c, CC_TOKEN);
		if (!value.len)
			return sip_fail(err, c->p, "empty or malformed parameter value");
	}
	if (!set_field(a, name, value, err))
		return false;
	if (pool) {
		if (pool->n >= pool->cap || pool->n - start >= UINT16_MAX)
			return sip_fail(err, name.p, "too many parameters");
		pool->v[pool->n].name = name;
		pool->v[pool->n].value = value;
		pool->n++;
	}
	return true;
}

static bool parse_auth(struct sip_auth *a, struct slice value, struct sip_pool *pool,
		       unsigned start, struct sip_err *err)
{
	struct cur c;
	const char *ws;

	if (!value.len)
		return sip_fail(err, value.p, "empty authentication header");
	c = cur_of(value);
	cur_skip_lws(&c);
	a->raw = slice_rtrim_lws(cur_rest(&c));
	if (!a->raw.len)
		return sip_fail(err, value.p, "empty authentication header");
	c = cur_of(a->raw);

	a->scheme = cur_span(&c, CC_TOKEN);
	if (!a->scheme.len)
		return sip_fail(err, c.p, "missing authentication scheme");
	a->is_digest = SLICE_CASEEQ_LIT(a->scheme, "Digest");
	if (cur_eof(&c)) {
		/* A bare scheme ("Negotiate") is HTTP, not SIP; tolerate it. */
		if (a->is_digest)
			return sip_fail(err, c.p, "Digest without parameters");
		return true;
	}
	ws = c.p;
	cur_skip_lws(&c);
	if (c.p == ws)
		return sip_fail(err, c.p, "no white space after the authentication scheme");
	if (!a->is_digest && take_token68(a, &c))
		return true;
	do {
		if (!parse_param(a, &c, pool, start, err))
			return false;
	} while (cur_sep(&c, ','));
	if (!cur_eof(&c))
		return sip_fail(err, c.p, "expected ',' between parameters");
	return true;
}

/* Like digest_alg_of() but on a wire-form value, which may hold quoted-pairs. */
static enum digest_alg alg_of_wire(struct slice v)
{
	char buf[24];
	int n;

	if (!v.p)
		return DIGEST_MD5;
	if (!sip_auth_quoted(v)) /* a token has no quoted-pairs to undo */
		return digest_alg_of(v);
	n = sip_auth_unquote(buf, sizeof(buf), v);
	return n < 0 ? DIGEST_ALG_UNKNOWN : digest_alg_of(slice_make(buf, (size_t)n));
}

bool sip_auth_parse(struct sip_auth *a, struct slice value, struct sip_pool *pool,
		    struct sip_err *err)
{
	unsigned start = pool ? pool->n : 0;

	/* Field by field: a memset of this size compiles to a slow `rep stos`. */
	a->raw = SLICE_NULL;
	a->scheme = SLICE_NULL;
	a->token68 = SLICE_NULL;
	a->username = SLICE_NULL;
	a->realm = SLICE_NULL;
	a->nonce = SLICE_NULL;
	a->uri = SLICE_NULL;
	a->response = SLICE_NULL;
	a->algorithm = SLICE_NULL;
	a->cnonce = SLICE_NULL;
	a->opaque = SLICE_NULL;
	a->qop = SLICE_NULL;
	a->nc = SLICE_NULL;
	a->stale = SLICE_NULL;
	a->domain = SLICE_NULL;
	a->userhash = SLICE_NULL;
	a->params = NULL;
	a->nparams = 0;
	a->alg = 0;
	a->is_digest = false;
	if (!parse_auth(a, value, pool, start, err)) {
		/* Leave the pool as it was so a caller can carry on. */
		if (pool)
			pool->n = start;
		return false;
	}
	if (pool) {
		a->params = pool->v + start;
		a->nparams = (uint16_t)(pool->n - start);
	}
	a->alg = (uint8_t)alg_of_wire(a->algorithm);
	return true;
}

struct slice sip_auth_param(const struct sip_auth *a, const char *name)
{
	for (unsigned i = 0; i < a->nparams; i++)
		if (slice_caseeq_cstr(a->params[i].name, name))
			return a->params[i].value;
	return SLICE_NULL;
}

bool sip_auth_quoted(struct slice value)
{
	/* A token value follows '=' or LWS, a quoted one its opening quote. */
	return value.p && value.p[-1] == '"';
}

int sip_auth_unquote(char *dst, size_t dstlen, struct slice v)
{
	size_t n = 0;

	if (!dstlen)
		return -1;
	for (size_t i = 0; i < v.len; i++) {
		char ch = v.p[i];

		if (ch == '\\' && i + 1 < v.len)
			ch = v.p[++i];
		else if (ch == '\r' || ch == '\n')
			continue; /* a fold: its white space stays */
		if (n >= dstlen - 1)
			return -1;
		dst[n++] = ch;
	}
	dst[n] = '\0';
	return (int)n;
}

/* ------------------------------------------------------------------ */
/* Algorithms                                                          */

static const char *const alg_names[DIGEST_ALG__COUNT] = {
    [DIGEST_MD5] = "MD5",
    [DIGEST_MD5_SESS] = "MD5-sess",
    [DIGEST_SHA256] = "SHA-256",
    [DIGEST_SHA256_SESS] = "SHA-256-sess",
    [DIGEST_SHA512_256] = "SHA-512-256",
    [DIGEST_SHA512_256_SESS] = "SHA-512-256-sess",
};

enum digest_alg digest_alg_of(struct slice s)
{
	if (!s.p)
		return DIGEST_MD5;
	for (int i = DIGEST_MD5; i < DIGEST_ALG__COUNT; i++)
		if (slice_caseeq_cstr(s, alg_names[i]))
			return (enum digest_alg)i;
	return DIGEST_ALG_UNKNOWN;
}

const char *digest_alg_name(enum digest_alg alg)
{
	return (unsigned)alg < DIGEST_ALG__COUNT ? alg_names[alg] : NULL;
}

static bool is_sess(enum digest_alg alg)
{
	return alg == DIGEST_MD5_SESS || alg == DIGEST_SHA256_SESS || alg == DIGEST_SHA512_256_SESS;
}

/* Index of the underlying hash, -1 for none. */
static int hash_of(enum digest_alg alg)
{
	switch (alg) {
	case DIGEST_MD5:
	case DIGEST_MD5_SESS:
		return 0;
	case DIGEST_SHA256:
	case DIGEST_SHA256_SESS:
		return 1;
	case DIGEST_SHA512_256:
	case DIGEST_SHA512_256_SESS:
		return 2;
	default:
		return -1;
	}
}

size_t digest_hex_len(enum digest_alg alg)
{
	static const size_t len[] = {32, 64, 64};
	int h = hash_of(alg);

	return h < 0 ? 0 : len[h];
}

bool digest_nc_parse(struct slice nc, uint32_t *out)
{
	uint32_t v = 0;

	if (nc.len != 8)
		return false;
	for (size_t i = 0; i < 8; i++) {
		int d = hexval((unsigned char)nc.p[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return true;
}

/* ------------------------------------------------------------------ */
/* Hashing                                                             */

/*
 * Fetching an EVP_MD walks the provider tables under a lock, so it is done
 * once per process; the objects live until exit. Each thread keeps one
 * EVP_MD_CTX (OpenSSL 3.1+ also keeps its provider context across inits
 * with the same EVP_MD; 3.0 re-creates that one each time). The key's
 * destructor frees a worker thread's context when the thread ends.
 */
static const char *const hash_names[] = {"MD5", "SHA2-256", "SHA2-512/256"};
static EVP_MD *hash_md[3];
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static bool ctx_key_ok;
static __thread EVP_MD_CTX *thread_ctx;

static void ctx_destroy(void *p)
{
	EVP_MD_CTX_free(p);
	thread_ctx = NULL;
}

static void hash_init(void)
{
	for (size_t i = 0; i < sizeof(hash_names) / sizeof(hash_names[0]); i++)
		hash_md[i] = EVP_MD_fetch(NULL, hash_names[i], NULL);
	ctx_key_ok = pthread_key_create(&ctx_key, ctx_destroy) == 0;
}

static const EVP_MD *md_of(enum digest_alg alg)
{
	int h = hash_of(alg);

	if (h < 0)
		return NULL;
	pthread_once(&hash_once, hash_init);
	return hash_md[h];
}

bool digest_alg_available(enum digest_alg alg)
{
	return md_of(alg) != NULL;
}

struct hasher {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
	bool ok;
};

static bool h_setup(struct hasher *h, enum digest_alg alg)
{
	h->md = md_of(alg);
	if (!h->md)
		return false;
	if (!thread_ctx) {
		thread_ctx = EVP_MD_CTX_new();
		if (!thread_ctx)
			return false;
		if (ctx_key_ok)
			pthread_setspecific(ctx_key, thread_ctx);
	}
	h->ctx = thread_ctx;
	return true;
}

static void h_begin(struct hasher *h)
{
	h->ok = EVP_DigestInit_ex2(h->ctx, h->md, NULL) == 1;
}

static void h_put(struct hasher *h, const char *p, size_t n)
{
	if (h->ok && n && EVP_DigestUpdate(h->ctx, p, n) != 1)
		h->ok = false;
}

static void h_colon(struct hasher *h)
{
	h_put(h, ":", 1);
}

/* Hash a wire-form value as sip_auth_unquote() would decode it, without a copy. */
static void h_unq(struct hasher *h, struct slice v)
{
	size_t run = 0;

	for (size_t i = 0; i < v.len; i++) {
		char ch = v.p[i];

		if (ch == '\\' && i + 1 < v.len) {
			h_put(h, v.p + i - run, run);
			run = 0;
			i++;
			h_put(h, v.p + i, 1);
		} else if (ch == '\r' || ch == '\n') {
			h_put(h, v.p + i - run, run);
			run = 0;
		} else {
			run++;
		}
	}
	h_put(h, v.p + v.len - run, run);
}

static void h_field(struct hasher *h, struct slice v, bool wire)
{
	if (wire)
		h_unq(h, v);
	else
		h_put(h, v.p, v.len);
}

/* Finish into lower-case hex; returns its length or -1. */
static int h_hex(struct hasher *h, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!h->ok || EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n * 2 > DIGEST_HEX_MAX)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
	return (int)(2 * n);
}

int digest_ha1(char *out, enum digest_alg alg, struct slice username, struct slice realm,
	       struct slice password)
{
	struct hasher h;

	if (!h_setup(&h, alg))
		return -1;
	h_begin(&h);
	h_put(&h, username.p, username.len);
	h_colon(&h);
	h_put(&h, realm.p, realm.len);
	h_colon(&h);
	h_put(&h, password.p, password.len);
	return h_hex(&h, out);
}

int digest_userhash(char *out, enum digest_alg alg, struct slice username, struct slice realm)
{
	struct hasher h;

	if (!h_setup(&h, alg))
		return -1;
	h_begin(&h);
	h_put(&h, username.p, username.len);
	h_colon(&h);
	h_put(&h, realm.p, realm.len);
	return h_hex(&h, out);
}

enum qop { QOP_NONE, QOP_AUTH, QOP_AUTH_INT, QOP_BAD };

static enum qop qop_of(struct slice qop, bool wire)
{
	char buf[16];
	int n;

	if (!qop.p)
		return QOP_NONE;
	if (wire) {
		n = sip_auth_unquote(buf, sizeof(buf), qop);
		if (n < 0)
			return QOP_BAD;
		qop = slice_make(buf, (size_t)n);
	}
	if (slice_caseeq_cstr(qop, "auth"))
		return QOP_AUTH;
	if (slice_caseeq_cstr(qop, "auth-int"))
		return QOP_AUTH_INT;
	return QOP_BAD;
}

/*
 * The request-digest. wire says whether nonce, nc, cnonce, qop and uri are
 * wire-form slices of a parsed header (true) or plain values.
 */
static int compute_response(char *out, const struct digest_input *in, bool wire)
{
	char ha1[DIGEST_HEX_BUF], ha2[DIGEST_HEX_BUF], body[DIGEST_HEX_BUF];
	size_t hl = digest_hex_len(in->alg);
	enum qop qop = qop_of(in->qop, wire);
	struct hasher h;

	if (!hl || in->ha1.len != hl || qop == QOP_BAD || !h_setup(&h, in->alg))
		return -1;
	if (qop != QOP_NONE && (!in->nc.p || !in->cnonce.p))
		return -1;
	if (is_sess(in->alg) && !in->cnonce.p)
		return -1;
	/* The stored HA1 may be upper case; H(HA1:...) is over lower-case hex. */
	for (size_t i = 0; i < hl; i++) {
		unsigned char ch = (unsigned char)in->ha1.p[i];

		if (hexval(ch) < 0)
			return -1;
		ha1[i] = (char)(ch >= 'A' && ch <= 'F' ? ch | 0x20 : ch);
	}
	ha1[hl] = '\0';

	if (qop == QOP_AUTH_INT) {
		h_begin(&h);
		h_put(&h, in->body.p, in->body.len);
		if (h_hex(&h, body) < 0)
			return -1;
	}
	h_begin(&h);
	h_put(&h, in->method.p, in->method.len);
	h_colon(&h);
	h_field(&h, in->uri, wire);
	if (qop == QOP_AUTH_INT) {
		h_colon(&h);
		h_put(&h, body, hl);
	}
	if (h_hex(&h, ha2) < 0)
		return -1;

	if (is_sess(in->alg)) {
		/* RFC 7616 3.4.2: HA1 = H(H(user:realm:pass) ":" nonce ":" cnonce) */
		h_begin(&h);
		h_put(&h, ha1, hl);
		h_colon(&h);
		h_field(&h, in->nonce, wire);
		h_colon(&h);
		h_field(&h, in->cnonce, wire);
		if (h_hex(&h, ha1) < 0)
			return -1;
	}

	h_begin(&h);
	h_put(&h, ha1, hl);
	h_colon(&h);
	h_field(&h, in->nonce, wire);
	h_colon(&h);
	if (qop != QOP_NONE) {
		h_field(&h, in->nc, wire);
		h_colon(&h);
		h_field(&h, in->cnonce, wire);
		h_colon(&h);
		h_field(&h, in->qop, wire);
		h_colon(&h);
	}
	h_put(&h, ha2, hl);
	return h_hex(&h, out);
}

int digest_response(char *out, const struct digest_input *in)
{
	return compute_response(out, in, false);
}

bool digest_verify(const struct sip_auth *cred, struct slice method, struct slice ha1_hex,
		   struct slice body)
{
	char want[DIGEST_HEX_BUF], got[DIGEST_HEX_BUF];
	enum digest_alg alg = (enum digest_alg)cred->alg;
	size_t hl = digest_hex_len(alg);
	struct digest_input in;
	uint32_t nc;

	if (!cred->is_digest || !hl || !cred->nonce.p || !cred->uri.p || cred->response.len != hl)
		return false;
	if (cred->qop.p && !digest_nc_parse(cred->nc, &nc))
		return false;
	for (size_t i = 0; i < hl; i++) {
		unsigned char ch = (unsigned char)cred->response.p[i];

		if (hexval(ch) < 0)
			return false;
		got[i] = (char)(ch >= 'A' && ch <= 'F' ? ch | 0x20 : ch);
	}
	in = (struct digest_input){
	    .alg = alg,
	    .ha1 = ha1_hex,
	    .nonce = cred->nonce,
	    .nc = cred->nc,
	    .cnonce = cred->cnonce,
	    .qop = cred->qop,
	    .method = method,
	    .uri = cred->uri,
	    .body = body,
	};
	if (compute_response(want, &in, true) != (int)hl)
		return false;
	return CRYPTO_memcmp(want, got, hl) == 0;
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

/* A header value being written: the buffer, and whether a parameter needs ", " first. */
struct out {
	struct buf *b;
	bool more;
};

/* A plain value as a quoted-string: escape what qdtext can't hold. */
static void put_quoted(struct out *o, struct slice v)
{
	buf_put(o->b, "\"", 1);
	for (size_t i = 0; i < v.len; i++) {
		unsigned char ch = (unsigned char)v.p[i];

		if (ch == '\r' || ch == '\n') {
			o->b->overflow = true; /* quoted-pair can't carry them either */
			return;
		}
		if (ch == '"' || ch == '\\' || (ch < 0x20 && ch != '\t') || ch == 0x7f)
			buf_put(o->b, "\\", 1);
		buf_put(o->b, v.p + i, 1);
	}
	buf_put(o->b, "\"", 1);
}

static bool is_token(struct slice v)
{
	for (size_t i = 0; i < v.len; i++)
		if (!cc_is((unsigned char)v.p[i], CC_TOKEN))
			return false;
	return v.len > 0;
}

enum { AS_QUOTED, AS_TOKEN };

/* ", name=value" (or " name=value" for the first); absent values are skipped. */
static void put_param(struct out *o, const char *name, struct slice v, int how)
{
	if (!v.p)
		return;
	if (o->more)
		buf_put(o->b, ", ", 2);
	o->more = true;
	buf_puts(o->b, name);
	buf_put(o->b, "=", 1);
	if (how == AS_TOKEN && is_token(v))
		buf_slice(o->b, v);
	else
		put_quoted(o, v);
}

/* Run put_fn into buf as a NUL-terminated string: its length, or -1. */
static int build_str(char *buf, size_t len, bool (*put_fn)(struct buf *, const void *),
		     const void *arg)
{
	struct buf b;

	if (!len)
		return -1;
	buf_init_str(&b, buf, len);
	if (!put_fn(&b, arg))
		return -1;
	buf_str(&b);
	return buf_done(&b);
}

bool digest_put_challenge(struct buf *b, const struct digest_challenge *c)
{
	struct out o = { .b = b };
	const char *alg = digest_alg_name(c->alg);

	if (!c->realm.p || !c->nonce.p)
		return false;
	buf_puts(b, "Digest ");
	put_param(&o, "realm", c->realm, AS_QUOTED);
	put_param(&o, "domain", c->domain, AS_QUOTED);
	put_param(&o, "nonce", c->nonce, AS_QUOTED);
	if (alg)
		put_param(&o, "algorithm", slice_cstr(alg), AS_TOKEN);
	put_param(&o, "qop", c->qop, AS_QUOTED);
	put_param(&o, "opaque", c->opaque, AS_QUOTED);
	if (c->stale)
		put_param(&o, "stale", SLICE_LIT("true"), AS_TOKEN);
	if (c->userhash)
		put_param(&o, "userhash", SLICE_LIT("true"), AS_TOKEN);
	return !b->overflow;
}

static bool put_challenge(struct buf *b, const void *c)
{
	return digest_put_challenge(b, c);
}

int digest_build_challenge(char *buf, size_t len, const struct digest_challenge *c)
{
	return build_str(buf, len, put_challenge, c);
}

static bool put_credentials(struct buf *b, const void *arg)
{
	const struct digest_credentials *c = arg;
	struct out o = { .b = b };
	char nc[9];
	static const char hex[] = "0123456789abcdef";

	if (!c->username.p || !c->realm.p || !c->nonce.p || !c->uri.p || !c->response.p)
		return false;
	buf_puts(b, "Digest ");
	put_param(&o, "username", c->username, AS_QUOTED);
	put_param(&o, "realm", c->realm, AS_QUOTED);
	put_param(&o, "nonce", c->nonce, AS_QUOTED);
	put_param(&o, "uri", c->uri, AS_QUOTED);
	put_param(&o, "response", c->response, AS_QUOTED);
	put_param(&o, "algorithm", c->algorithm, AS_TOKEN);
	put_param(&o, "cnonce", c->cnonce, AS_QUOTED);
	put_param(&o, "opaque", c->opaque, AS_QUOTED);
	put_param(&o, "qop", c->qop, AS_TOKEN);
	if (c->nc) {
		for (int i = 0; i < 8; i++)
			nc[i] = hex[(c->nc >> (28 - 4 * i)) & 15];
		nc[8] = '\0';
		put_param(&o, "nc", slice_make(nc, 8), AS_TOKEN);
	}
	if (c->userhash)
		put_param(&o, "userhash", SLICE_LIT("true"), AS_TOKEN);
	return !b->overflow;
}

int digest_build_credentials(char *buf, size_t len, const struct digest_credentials *c)
{
	return build_str(buf, len, put_credentials, c);
}
