// SPDX-License-Identifier: MIT
/*
 * The policy parser: tokens to a tree of nodes held in one array.
 *
 * The one hard question is which if an end closes, because the paper's
 * Figure 5 writes ifs without end (each governs one statement) inside an if
 * with end. The rule (docs/policy.md, "Which if an end closes"):
 *
 *   An if either governs a block closed by end, or, with no end, exactly
 *   one statement. Reading top-down, each if takes its preferred form
 *   unless that would leave the rest of the file with an end no if can
 *   take or an if block no end can close; then it takes the other form.
 *   The preferred form is one statement when the condition is followed by
 *   an action, and a block when it is followed by another if.
 *
 * "Would leave the rest unparseable" is a counting question, answered in
 * O(log n) per if (feasible() below), so a file of any size parses in
 * O(n log n).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"

struct parser {
	const char *src;
	size_t len;
	const struct token *t;
	size_t nt, i;
	struct tree *tr;
	struct keytab *keys;
	struct perr *err;
	unsigned nest;	/* recursion depth: nested ifs, parentheses, NOTs */
	unsigned terms; /* comparisons in the condition being parsed */
	int depth;	/* if blocks open (waiting for their end) */
	/* The ifs and ends of the file, in order, for feasible(). */
	size_t nk;
	uint32_t *ifs_upto;  /* ifs among the first j+1 */
	uint32_t *ends_upto; /* ends among the first j+1 */
	uint32_t *ifpos;     /* k index of the n-th if */
	int32_t *seg;	     /* min-segment tree over h[j] = ifs_upto[j] - ends_upto[j] */
	size_t segn;
};

/* ---- errors ---- */

static int fail_at(struct parser *ps, const struct token *tok, const char *fmt, const char *arg)
{
	struct perr *e = ps->err;

	e->line = tok->line;
	e->col = tok->col;
	snprintf(e->buf, sizeof(e->buf), fmt, arg);
	e->msg = e->buf;
	return -EINVAL;
}

/* The token as the user wrote it, shortened, for "got '...'". */
static const char *tok_text(struct parser *ps, const struct token *tok, char *buf, size_t n)
{
	size_t l;

	if (tok->type == T_EOF)
		return "end of file";
	l = tok->len < n - 3 ? tok->len : n - 6;
	snprintf(buf, n, "'%.*s%s'", (int)l, ps->src + tok->off, l < tok->len ? "..." : "");
	return buf;
}

static int fail_got(struct parser *ps, const char *what)
{
	const struct token *tok = &ps->t[ps->i];
	char got[48], msg[200];

	snprintf(msg, sizeof(msg), "expected %s, got %s", what,
		 tok_text(ps, tok, got, sizeof(got)));
	return fail_at(ps, tok, "%s", msg);
}

/* ---- tree building ---- */

int pool_add(struct pool *pool, const void *s, size_t n, uint32_t *off)
{
	if (pool->len + n + 1 > pool->cap) {
		size_t cap = pool->cap ? pool->cap : 256;
		char *np;

		while (cap < pool->len + n + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -EFBIG;
		np = realloc(pool->p, cap);
		if (!np)
			return -ENOMEM;
		pool->p = np;
		pool->cap = cap;
	}
	if (n)
		memcpy(pool->p + pool->len, s, n);
	*off = (uint32_t)pool->len;
	pool->len += n;
	pool->p[pool->len] = '\0';
	return 0;
}

static int new_node(struct parser *ps, uint8_t kind, uint32_t *out)
{
	struct tree *tr = ps->tr;

	if (tr->nn == tr->cap) {
		size_t cap = tr->cap ? tr->cap * 2 : 64;
		struct node *nn = realloc(tr->n, cap * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		tr->n = nn;
		tr->cap = cap;
	}
	tr->n[tr->nn] = (struct node){ .kind = kind,
				       .a = NONE,
				       .b = NONE,
				       .next = NONE,
				       .voff = NONE,
				       .vlen = 0,
				       .tok = (uint32_t)ps->i,
				       .tok_end = (uint32_t)ps->i,
				       .end_tok = NONE };
	*out = (uint32_t)tr->nn++;
	return 0;
}

#define N(idx) (ps->tr->n[idx])

static const struct token *peek(struct parser *ps)
{
	return &ps->t[ps->i];
}

static bool accept_tok(struct parser *ps, uint8_t type)
{
	if (ps->t[ps->i].type != type)
		return false;
	ps->i++;
	return true;
}

/*
 * A value token's bytes into the pool: backslash escapes removed and, for a
 * LIKE pattern, unescaped * and ? turned into GLOB_STAR and GLOB_ONE.
 */
static int value(struct parser *ps, bool like, uint32_t *voff, uint32_t *vlen, uint8_t *match)
{
	const struct token *tok = peek(ps);
	const char *s = ps->src + tok->off;
	size_t n = tok->len, o = 0, stars = 0, ones = 0;
	char buf[POLICY_MAX_VALUE];
	int ret;

	if (tok->type == T_STRING) {
		s++;
		n -= 2;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (o == sizeof(buf))
			return fail_at(ps, tok, "%s", "value too long");
		if (c == '\\' && i + 1 < n) {
			buf[o++] = s[++i];
		} else if (like && c == '*') {
			/* "**" is "*": keep the glob loop's backtracking linear in practice. */
			if (o && buf[o - 1] == GLOB_STAR)
				continue;
			buf[o++] = GLOB_STAR;
			stars++;
		} else if (like && c == '?') {
			buf[o++] = GLOB_ONE;
			ones++;
		} else {
			buf[o++] = c;
		}
	}
	*match = M_EXACT;
	if (like && !ones && stars == 1) {
		if (o == 1) {
			*match = M_ANY;
			o = 0;
		} else if (buf[o - 1] == GLOB_STAR) {
			*match = M_PREFIX;
			o--;
		} else if (buf[0] == GLOB_STAR) {
			*match = M_SUFFIX;
			memmove(buf, buf + 1, --o);
		} else {
			*match = M_GLOB;
		}
	} else if (like && (stars || ones)) {
		*match = M_GLOB;
	}
	ret = pool_add(&ps->tr->pool, buf, o, voff);
	if (ret < 0)
		return ret;
	*vlen = (uint32_t)o;
	ps->i++;
	return 0;
}

/* Descriptor keys are URI parameter names (RFC 3261 paramchar, no escapes). */
static bool is_key_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       strchr("-_.!~*'+[]/:&$", c) != NULL;
}

static int intern_key(struct parser *ps, const struct token *tok, const char *k, size_t n,
		      uint16_t *out)
{
	struct keytab *kt = ps->keys;

	if (!n || n > POLICY_MAX_KEY_LEN)
		return fail_at(ps, tok, "%s",
			       n ? "attribute name too long" : "missing attribute name");
	for (size_t i = 0; i < n; i++)
		if (!is_key_char((unsigned char)k[i]))
			return fail_at(ps, tok, "%s", "bad character in attribute name");
	for (unsigned i = 0; i < kt->n; i++) {
		if (kt->len[i] == n && ascii_ieq(kt->name[i], k, n)) {
			*out = (uint16_t)i;
			return 0;
		}
	}
	if (kt->n == POLICY_MAX_KEYS)
		return fail_at(ps, tok, "more than %s distinct attribute names", "64");
	memcpy(kt->name[kt->n], k, n);
	kt->name[kt->n][n] = '\0';
	kt->len[kt->n] = (uint8_t)n;
	*out = (uint16_t)kt->n++;
	return 0;
}

static const struct {
	const char *name;
	uint8_t attr;
} flow_attrs[] = {
	{ "protocol", A_FLOW_PROTOCOL }, { "app", A_FLOW_APP },		{ "enc", A_FLOW_ENC },
	{ "taint", A_FLOW_TAINT },	 { "address", A_FLOW_ADDRESS }, { "port", A_FLOW_PORT },
};

static int attribute(struct parser *ps, struct node *cmp)
{
	const struct token *tok = peek(ps);
	const char *w = ps->src + tok->off, *dot;
	size_t n = tok->len, pl;

	dot = memchr(w, '.', n);
	if (tok->type != T_WORD || !dot)
		return fail_got(ps, "an attribute (from.X, to.X or flow.X)");
	pl = (size_t)(dot - w);
	w = dot + 1;
	n -= pl + 1;
	if (pl == 4 && ascii_ieq(ps->src + tok->off, "from", 4)) {
		cmp->attr = A_FROM_KEY;
	} else if (pl == 2 && ascii_ieq(ps->src + tok->off, "to", 2)) {
		cmp->attr = A_TO_KEY;
	} else if (pl == 4 && ascii_ieq(ps->src + tok->off, "flow", 4)) {
		for (size_t i = 0; i < sizeof(flow_attrs) / sizeof(flow_attrs[0]); i++) {
			if (strlen(flow_attrs[i].name) == n &&
			    ascii_ieq(w, flow_attrs[i].name, n)) {
				cmp->attr = flow_attrs[i].attr;
				ps->i++;
				return 0;
			}
		}
		return fail_at(ps, tok, "%s",
			       "unknown flow attribute (flow.protocol, flow.app, flow.enc, "
			       "flow.taint, flow.address or flow.port)");
	} else {
		return fail_got(ps, "an attribute (from.X, to.X or flow.X)");
	}
	if (n == 4 && ascii_ieq(w, "user", 4)) {
		cmp->attr -= A_FROM_KEY - A_FROM_USER;
	} else if (n == 6 && ascii_ieq(w, "domain", 6)) {
		cmp->attr -= A_FROM_KEY - A_FROM_DOMAIN;
	} else {
		uint16_t key;
		int ret = intern_key(ps, tok, w, n, &key);

		if (ret < 0)
			return ret;
		cmp->key = key;
	}
	ps->i++;
	return 0;
}

/* attribute (IS [NOT] | NOT [LIKE] | LIKE) value */
static int comparison(struct parser *ps, uint32_t *out)
{
	uint32_t idx;
	struct node cmp = { 0 };
	bool like = false;
	int ret;

	if (++ps->terms > POLICY_MAX_TERMS)
		return fail_at(ps, peek(ps), "%s", "condition has more than 256 comparisons");
	ret = new_node(ps, N_CMP, &idx);
	if (ret < 0)
		return ret;
	ret = attribute(ps, &cmp);
	if (ret < 0)
		return ret;
	if (accept_tok(ps, T_IS)) {
		cmp.neg = accept_tok(ps, T_NOT);
	} else if (accept_tok(ps, T_NOT)) {
		cmp.neg = true;
		like = accept_tok(ps, T_LIKE);
	} else if (accept_tok(ps, T_LIKE)) {
		like = true;
	} else {
		return fail_got(ps, "IS, NOT or LIKE");
	}
	if (peek(ps)->type != T_WORD && peek(ps)->type != T_STRING)
		return fail_got(ps, "a value (write a value that is a keyword in quotes)");
	ret = value(ps, like, &N(idx).voff, &N(idx).vlen, &cmp.match);
	if (ret < 0)
		return ret;
	N(idx).attr = cmp.attr;
	N(idx).key = cmp.key;
	N(idx).neg = cmp.neg;
	N(idx).match = cmp.match;
	N(idx).tok_end = (uint32_t)ps->i - 1;
	*out = idx;
	return 0;
}

static int expr_or(struct parser *ps, uint32_t *out);

static int expr_unary(struct parser *ps, uint32_t *out)
{
	const struct token *tok = peek(ps);
	uint32_t idx;
	int ret;

	if (tok->type != T_NOT && tok->type != T_LPAREN)
		return comparison(ps, out);
	if (++ps->nest > POLICY_MAX_NEST)
		return fail_at(ps, tok, "%s", "nested too deeply");
	if (accept_tok(ps, T_LPAREN)) {
		ret = expr_or(ps, out);
		if (ret == 0 && !accept_tok(ps, T_RPAREN))
			ret = fail_got(ps, "')'");
	} else {
		ps->i++;
		uint32_t a = NONE;

		ret = new_node(ps, N_NOT, &idx);
		if (ret == 0)
			ret = expr_unary(ps, &a);
		if (ret == 0)
			N(idx).a = a; /* after the call: it may move the node array */
		*out = idx;
	}
	ps->nest--;
	return ret;
}

/* AND binds tighter than OR; both associate to the left. */
static int expr_and(struct parser *ps, uint32_t *out)
{
	int ret = expr_unary(ps, out);

	while (ret == 0 && accept_tok(ps, T_AND)) {
		uint32_t idx, b = NONE;

		ret = new_node(ps, N_AND, &idx);
		if (ret < 0)
			return ret;
		N(idx).a = *out;
		*out = idx;
		ret = expr_unary(ps, &b);
		N(idx).b = b;
	}
	return ret;
}

static int expr_or(struct parser *ps, uint32_t *out)
{
	int ret = expr_and(ps, out);

	while (ret == 0 && accept_tok(ps, T_OR)) {
		uint32_t idx, b = NONE;

		ret = new_node(ps, N_OR, &idx);
		if (ret < 0)
			return ret;
		N(idx).a = *out;
		*out = idx;
		ret = expr_and(ps, &b);
		N(idx).b = b;
	}
	return ret;
}

/* ---- which if an end closes ---- */

static int32_t seg_min(const struct parser *ps, size_t lo, size_t hi) /* [lo, hi] */
{
	int32_t m = INT32_MAX;

	for (lo += ps->segn, hi += ps->segn + 1; lo < hi; lo >>= 1, hi >>= 1) {
		if (lo & 1)
			m = ps->seg[lo] < m ? ps->seg[lo] : m;
		if (hi & 1)
			m = ps->seg[hi - 1] < m ? ps->seg[hi - 1] : m;
		lo += lo & 1;
		hi -= hi & 1;
	}
	return m;
}

static int index_ifs(struct parser *ps)
{
	size_t nk = 0, j = 0, nif = 0;

	for (size_t i = 0; i < ps->nt; i++)
		nk += ps->t[i].type == T_IF || ps->t[i].type == T_END;
	ps->nk = nk;
	if (!nk)
		return 0;
	ps->segn = nk;
	ps->ifs_upto = malloc(nk * sizeof(uint32_t));
	ps->ends_upto = malloc(nk * sizeof(uint32_t));
	ps->ifpos = malloc(nk * sizeof(uint32_t));
	ps->seg = malloc(2 * nk * sizeof(int32_t));
	if (!ps->ifs_upto || !ps->ends_upto || !ps->ifpos || !ps->seg)
		return -ENOMEM;
	for (size_t i = 0; i < ps->nt; i++) {
		uint8_t type = ps->t[i].type;

		if (type != T_IF && type != T_END)
			continue;
		ps->ifs_upto[j] = (uint32_t)(nif + (type == T_IF));
		ps->ends_upto[j] = (uint32_t)(j + 1 - ps->ifs_upto[j]);
		if (type == T_IF)
			ps->ifpos[nif++] = (uint32_t)j;
		ps->seg[nk + j] = (int32_t)ps->ifs_upto[j] - (int32_t)ps->ends_upto[j];
		j++;
	}
	for (size_t i = nk - 1; i > 0; i--)
		ps->seg[i] =
			ps->seg[2 * i] < ps->seg[2 * i + 1] ? ps->seg[2 * i] : ps->seg[2 * i + 1];
	return 0;
}

/*
 * Can the ifs and ends after the if with index p be paired up when `open`
 * blocks (this if's included, if it is to be one) are waiting for an end?
 * The ends still to come must close the open blocks and some of the later
 * ifs; it is possible exactly when choosing the earliest `need` later ifs
 * as blocks never lets the number of open blocks drop below zero.
 */
static bool feasible(const struct parser *ps, size_t p, int open)
{
	int64_t ends = (int64_t)(ps->ends_upto[ps->nk - 1] - ps->ends_upto[p]);
	int64_t ifs = (int64_t)(ps->ifs_upto[ps->nk - 1] - ps->ifs_upto[p]);
	int64_t need = ends - open, hp;
	size_t q;

	if (need < 0 || need > ifs)
		return false;
	if (need == 0)
		return true; /* every end to come closes one of the open blocks */
	q = ps->ifpos[ps->ifs_upto[p] + (size_t)need - 1];
	hp = (int64_t)ps->ifs_upto[p] - (int64_t)ps->ends_upto[p];
	return seg_min(ps, p + 1, q) >= hp - open;
}

/* ---- statements ---- */

static int statement(struct parser *ps, uint32_t *out);

static int action_arg(struct parser *ps, uint32_t idx, bool required, const char *what)
{
	uint8_t m;

	if (peek(ps)->type == T_WORD || peek(ps)->type == T_STRING)
		return value(ps, false, &N(idx).voff, &N(idx).vlen, &m);
	if (required)
		return fail_got(ps, what);
	return 0;
}

static bool valid_target(const char *s, size_t n)
{
	const char *colon = NULL;
	unsigned long port = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] == ':')
			colon = s + i;
	if (!colon || colon == s || colon + 1 == s + n || s + n - (colon + 1) > 5)
		return false;
	for (const char *c = colon + 1; c < s + n; c++) {
		if (*c < '0' || *c > '9')
			return false;
		port = port * 10 + (unsigned long)(*c - '0');
	}
	return port >= 1 && port <= 65535;
}

static int action(struct parser *ps, uint32_t *out)
{
	const struct token *tok = peek(ps);
	const char *w = ps->src + tok->off;
	uint32_t idx, *link;
	uint8_t kind;
	int ret;

#define IS_WORD(lit) (tok->len == sizeof(lit) - 1 && ascii_ieq(w, lit, sizeof(lit) - 1))
	if (IS_WORD("accept"))
		kind = N_ACCEPT;
	else if (IS_WORD("deny"))
		kind = N_DENY;
	else if (IS_WORD("redirect"))
		kind = N_REDIRECT;
	else if (IS_WORD("require"))
		kind = N_REQUIRE;
	else if (IS_WORD("uid"))
		return fail_at(ps, tok, "%s",
			       "uid() is a parameter of redirect(), not a statement");
	else
		return fail_got(ps, "a statement: if, accept(), deny(), redirect() or require()");
	ret = new_node(ps, kind, &idx);
	if (ret < 0)
		return ret;
	ps->i++;
	if (!accept_tok(ps, T_LPAREN))
		return fail_got(ps, "'(' after the action's name");
	switch (kind) {
	case N_DENY:
		ret = action_arg(ps, idx, false, "");
		break;
	case N_REQUIRE: {
		const struct token *arg = peek(ps);
		const char *v;
		size_t n;

		ret = action_arg(ps, idx, true, "what to require, e.g. require(ssl)");
		if (ret < 0)
			break;
		v = ps->tr->pool.p + N(idx).voff;
		n = N(idx).vlen;
		/* require(enc:ssl) is require(ssl): encryption is all one can require. */
		if (n > 4 && ascii_ieq(v, "enc:", 4)) {
			N(idx).voff += 4;
			N(idx).vlen -= 4;
			v += 4;
			n -= 4;
		}
		if (!n || memchr(v, ':', n) || memchr(v, ' ', n) || memchr(v, ';', n))
			ret = fail_at(ps, arg, "%s",
				      "require() takes an encryption, e.g. ssl or ipsec");
		break;
	}
	case N_REDIRECT: {
		const struct token *arg = peek(ps);

		ret = action_arg(ps, idx, true, "a middlebox host:port");
		if (ret < 0)
			break;
		if (!valid_target(ps->tr->pool.p + N(idx).voff, N(idx).vlen)) {
			ret = fail_at(ps, arg, "%s", "redirect() needs host:port, port 1-65535");
			break;
		}
		for (unsigned np = 0; ret == 0 && accept_tok(ps, T_COMMA); np++) {
			const struct token *pt = peek(ps);
			uint32_t pidx;

			if (np == POLICY_MAX_PARAMS) {
				ret = fail_at(ps, pt, "%s",
					      "redirect() takes at most 4 parameters");
				break;
			}
			if (pt->type == T_WORD && pt->len == 3 &&
			    ascii_ieq(ps->src + pt->off, "uid", 3) && pt[1].type == T_LPAREN) {
				ret = new_node(ps, N_PARAM_UID, &pidx);
				if (ret < 0)
					break;
				ps->i++;
				ps->i++;
				if (!accept_tok(ps, T_RPAREN)) {
					ret = fail_got(ps, "')': uid() takes no arguments");
					break;
				}
			} else if (pt->type == T_WORD || pt->type == T_STRING) {
				uint8_t m;

				ret = new_node(ps, N_PARAM_LIT, &pidx);
				if (ret == 0)
					ret = value(ps, false, &N(pidx).voff, &N(pidx).vlen, &m);
				if (ret < 0)
					break;
			} else {
				ret = fail_got(ps, "a parameter: uid() or a value");
				break;
			}
			link = &N(idx).b;
			while (*link != NONE)
				link = &N(*link).next;
			*link = pidx;
		}
		break;
	}
	default:
		break;
	}
	if (ret < 0)
		return ret;
	if (!accept_tok(ps, T_RPAREN))
		return fail_got(ps, kind == N_ACCEPT ? "')': accept() takes no arguments" : "')'");
	N(idx).tok_end = (uint32_t)ps->i - 1;
	*out = idx;
	return 0;
#undef IS_WORD
}

/*
 * Statements up to end (inside a block) or end of file (at the top). Nodes
 * are linked by index after each call returns: parsing a statement may
 * move the node array.
 */
static int statements(struct parser *ps, uint32_t *first, bool in_block)
{
	uint32_t prev = NONE, s;
	int ret;

	*first = NONE;
	for (;;) {
		uint8_t type = peek(ps)->type;

		if (type == T_EOF || (type == T_END && in_block))
			return 0;
		if (type == T_END)
			return fail_at(ps, peek(ps), "%s", "'end' without an 'if' to close");
		ret = statement(ps, &s);
		if (ret < 0)
			return ret;
		if (prev == NONE)
			*first = s;
		else
			N(prev).next = s;
		prev = s;
	}
}

static int if_statement(struct parser *ps, uint32_t *out)
{
	const struct token *iftok = peek(ps);
	uint32_t idx, sub;
	uint8_t next;
	bool prefer_block, block;
	int ret;

	if (++ps->nest > POLICY_MAX_NEST)
		return fail_at(ps, iftok, "%s", "nested too deeply");
	ret = new_node(ps, N_IF, &idx);
	if (ret < 0)
		return ret;
	ps->i++;
	if (peek(ps)->type != T_LPAREN)
		return fail_got(ps, "'(' after if");
	ps->i++;
	ps->terms = 0;
	ret = expr_or(ps, &sub);
	if (ret < 0)
		return ret;
	N(idx).a = sub;
	if (!accept_tok(ps, T_RPAREN))
		return fail_got(ps, "')' to close the condition");
	N(idx).tok_end = (uint32_t)ps->i - 1;

	next = peek(ps)->type;
	if (next == T_END || next == T_EOF)
		return fail_got(ps, "a statement after the condition");
	prefer_block = next == T_IF;
	if (feasible(ps, iftok->k, ps->depth + prefer_block))
		block = prefer_block;
	else if (feasible(ps, iftok->k, ps->depth + !prefer_block))
		block = !prefer_block;
	else
		block = prefer_block; /* neither works: the error shows where the ends go wrong */
	N(idx).block = block;
	if (block) {
		const struct token *end;

		ps->depth++;
		ret = statements(ps, &sub, true);
		if (ret < 0)
			return ret;
		N(idx).b = sub;
		end = peek(ps);
		if (end->type != T_END) {
			char msg[80];

			snprintf(msg, sizeof(msg), "missing 'end' for the 'if' at line %u",
				 iftok->line);
			return fail_at(ps, end, "%s", msg);
		}
		N(idx).end_tok = (uint32_t)ps->i;
		ps->i++;
		ps->depth--;
	} else {
		ret = statement(ps, &sub);
		if (ret < 0)
			return ret;
		N(idx).b = sub;
	}
	ps->nest--;
	*out = idx;
	return 0;
}

static int statement(struct parser *ps, uint32_t *out)
{
	if (peek(ps)->type == T_IF)
		return if_statement(ps, out);
	if (peek(ps)->type == T_WORD)
		return action(ps, out);
	return fail_got(ps, "a statement: if, accept(), deny(), redirect() or require()");
}

int policy_parse(const char *src, size_t len, const struct token *t, size_t nt, struct tree *tr,
		 struct keytab *keys, struct perr *err)
{
	struct parser ps = {
		.src = src, .len = len, .t = t, .nt = nt, .tr = tr, .keys = keys, .err = err
	};
	int ret;

	memset(tr, 0, sizeof(*tr));
	tr->first = NONE;
	ret = index_ifs(&ps);
	if (ret == 0)
		ret = statements(&ps, &tr->first, false);
	free(ps.ifs_upto);
	free(ps.ends_upto);
	free(ps.ifpos);
	free(ps.seg);
	return ret;
}

void policy_tree_free(struct tree *tr)
{
	free(tr->n);
	free(tr->pool.p);
	memset(tr, 0, sizeof(*tr));
}

/* ---- printing source spans ---- */

int policy_flatten(struct pool *pool, const char *src, const struct token *t, uint32_t t0,
		   uint32_t t1, uint32_t *off, uint32_t *len)
{
	size_t b = t[t0].off, e = t[t1].off + t[t1].len, o = 0;
	char *buf;
	int ret;

	buf = malloc(e - b + 1);
	if (!buf)
		return -ENOMEM;
	/* Tokens joined as written: one space where the source had any gap. */
	for (uint32_t i = t0; i <= t1; i++) {
		if (i > t0 && t[i].off > t[i - 1].off + t[i - 1].len)
			buf[o++] = ' ';
		memcpy(buf + o, src + t[i].off, t[i].len);
		o += t[i].len;
	}
	ret = pool_add(pool, buf, o, off);
	*len = (uint32_t)o;
	free(buf);
	return ret;
}

/* ---- the tree, printed ---- */

struct printer {
	FILE *out;
	const char *src;
	const struct token *t;
	struct tree *tr;
};

static int print_stmts(struct printer *pr, uint32_t s, int indent, bool one);

static int print_span(struct printer *pr, uint32_t t0, uint32_t t1, int indent)
{
	uint32_t off, len;
	int ret = policy_flatten(&pr->tr->pool, pr->src, pr->t, t0, t1, &off, &len);

	if (ret < 0)
		return ret;
	fprintf(pr->out, "%4u  %*s%.*s\n", pr->t[t0].line, indent * 4, "", (int)len,
		pr->tr->pool.p + off);
	pr->tr->pool.len = off; /* the pool was only borrowed */
	return 0;
}

static int print_stmts(struct printer *pr, uint32_t s, int indent, bool one)
{
	for (; s != NONE; s = one ? NONE : pr->tr->n[s].next) {
		const struct node *n = &pr->tr->n[s];
		int ret = print_span(pr, n->tok, n->tok_end, indent);

		if (ret < 0)
			return ret;
		if (n->kind != N_IF)
			continue;
		ret = print_stmts(pr, n->b, indent + 1, !n->block);
		if (ret < 0)
			return ret;
		if (n->block) {
			const struct token *e = &pr->t[n->end_tok];

			fprintf(pr->out, "%4u  %*s%.*s\n", e->line, indent * 4, "", (int)e->len,
				pr->src + e->off);
		}
	}
	return 0;
}

int policy_print_tree(FILE *out, const char *name, const char *text, size_t len,
		      struct policy_err *err)
{
	struct keytab *keys = calloc(1, sizeof(*keys));
	struct token *t = NULL;
	struct tree tr = { 0 };
	struct perr pe = { 0 };
	size_t nt;
	int ret;

	if (!keys)
		return -ENOMEM;
	ret = policy_lex(text, len, &t, &nt, &pe);
	if (ret == 0)
		ret = policy_parse(text, len, t, nt, &tr, keys, &pe);
	if (ret == 0) {
		struct printer pr = { out, text, t, &tr };

		ret = print_stmts(&pr, tr.first, 0, false);
	}
	if (ret == -EINVAL && err) {
		err->line = pe.line;
		err->col = pe.col;
		snprintf(err->text, sizeof(err->text), "%s:%u:%u: %s", name, pe.line, pe.col,
			 pe.msg);
	} else if (ret < 0 && err) {
		err->line = err->col = 0;
		snprintf(err->text, sizeof(err->text), "%s: %s", name, strerror(-ret));
	}
	policy_tree_free(&tr);
	free(t);
	free(keys);
	return ret;
}
