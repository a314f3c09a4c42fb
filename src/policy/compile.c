// SPDX-License-Identifier: MIT
/*
 * From the parse tree to the flat form policy_eval() walks.
 *
 * A condition becomes a chain of tests, each with a jump for "matched" and
 * one for "did not" (AND, OR and NOT cost nothing at run time: they only
 * choose the targets). Every jump goes forward, so a walk always ends.
 *
 * A run of sibling ifs that each require the same attribute to equal some
 * constant (to.user IS alice@rr.net AND ..., to.user IS bob@rr.net AND ...)
 * becomes one hash lookup on that attribute, then only the ifs whose
 * constant matched. Ifs with different constants can never both be true, so
 * running just the matching ones, in their order, decides exactly as the
 * whole run would; this is what makes a thousand-rule policy cost about as
 * much as a ten-rule one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"

#define INDEX_MIN_DEFAULT 8
#define MAX_GUARDS	  8 /* candidate IS-conjuncts looked at per if */

struct site_rec {
	uint32_t line, col;
	uint32_t loff, llen; /* label */
	uint32_t toff, tlen; /* flattened text */
};

struct cc {
	struct policy *p;
	const char *src;
	const struct token *t;
	struct tree *tr;
	struct insn *code;
	size_t ncode, capcode;
	uint32_t *labels;
	size_t nlabels, caplabels;
	struct dent *table;
	size_t ntable, captable;
	struct param *params;
	size_t nparams, capparams;
	struct site_rec *sites;
	size_t nsites, capsites;
	/* The if whose condition is being compiled, for the trace flags. */
	uint32_t if_t, if_f, site;
};

#define GROW(arr, n, cap)                                                                          \
	do {                                                                                       \
		if ((n) == (cap)) {                                                                \
			size_t c_ = (cap) ? (cap)*2 : 64;                                          \
			void *p_ = realloc((arr), c_ * sizeof(*(arr)));                            \
			if (!p_)                                                                   \
				return -ENOMEM;                                                    \
			(arr) = p_;                                                                \
			(cap) = c_;                                                                \
		}                                                                                  \
	} while (0)

static int emit(struct cc *c, struct insn in)
{
	GROW(c->code, c->ncode, c->capcode);
	if (c->ncode >= NONE - 1)
		return -EFBIG;
	c->code[c->ncode++] = in;
	return 0;
}

static int new_label(struct cc *c, uint32_t *l)
{
	GROW(c->labels, c->nlabels, c->caplabels);
	c->labels[c->nlabels] = NONE;
	*l = (uint32_t)c->nlabels++;
	return 0;
}

static void place(struct cc *c, uint32_t l)
{
	c->labels[l] = (uint32_t)c->ncode;
}

static int new_site(struct cc *c, const struct node *n, uint32_t *out)
{
	const struct token *tok = &c->t[n->tok];
	struct site_rec s = { .line = tok->line, .col = tok->col };
	size_t ls = tok->off, l;
	int ret;

	GROW(c->sites, c->nsites, c->capsites);
	while (ls > 0 && c->src[ls - 1] != '\n')
		ls--;
	while (c->src[ls] == ' ' || c->src[ls] == '\t')
		ls++;
	l = ls < tok->off ? policy_label_len(c->src, tok->off, ls) : 0;
	ret = pool_add(&c->tr->pool, c->src + ls, l ? l - 1 : 0, &s.loff);
	if (ret < 0)
		return ret;
	s.llen = l ? (uint32_t)l - 1 : 0;
	ret = policy_flatten(&c->tr->pool, c->src, c->t, n->tok, n->tok_end, &s.toff, &s.tlen);
	if (ret < 0)
		return ret;
	c->sites[c->nsites] = s;
	*out = (uint32_t)c->nsites++;
	return 0;
}

/* Which exits of a test decide the current if, and which way. */
static uint8_t trace_flags(const struct cc *c, uint32_t jt, uint32_t jf)
{
	uint8_t f = 0;

	if (jt == c->if_t)
		f |= 1;
	else if (jt == c->if_f)
		f |= 2;
	if (jf == c->if_t)
		f |= 4;
	else if (jf == c->if_f)
		f |= 8;
	return f;
}

static int cond(struct cc *c, uint32_t n, uint32_t t, uint32_t f, uint32_t skip)
{
	const struct node *nd = &c->tr->n[n];
	uint32_t m;
	int ret;

	switch (nd->kind) {
	case N_CMP: {
		uint32_t jt = nd->neg ? f : t, jf = nd->neg ? t : f;

		return emit(c, (struct insn){ .op = OP_TEST,
					      .attr = nd->attr,
					      .match = nd->match,
					      .flags = trace_flags(c, jt, jf),
					      .key = nd->key,
					      .voff = nd->voff,
					      .vlen = nd->vlen,
					      .jt = jt,
					      .jf = jf,
					      .site = c->site });
	}
	case N_NOT:
		return cond(c, nd->a, f, t, skip);
	case N_AND:
		/* The conjunct a hash lookup already checked costs nothing. */
		if (nd->a == skip)
			return cond(c, nd->b, t, f, skip);
		if (nd->b == skip)
			return cond(c, nd->a, t, f, skip);
		ret = new_label(c, &m);
		if (ret == 0)
			ret = cond(c, nd->a, m, f, skip);
		if (ret < 0)
			return ret;
		place(c, m);
		return cond(c, c->tr->n[n].b, t, f, skip);
	case N_OR:
		ret = new_label(c, &m);
		if (ret == 0)
			ret = cond(c, nd->a, t, m, skip);
		if (ret < 0)
			return ret;
		place(c, m);
		return cond(c, c->tr->n[n].b, t, f, skip);
	}
	return -EINVAL;
}

static int statements(struct cc *c, uint32_t s);

static int if_stmt(struct cc *c, uint32_t n, uint32_t skip)
{
	uint32_t t = 0, f = 0, site;
	int ret;

	ret = new_site(c, &c->tr->n[n], &site);
	if (ret == 0)
		ret = new_label(c, &t);
	if (ret == 0)
		ret = new_label(c, &f);
	if (ret < 0)
		return ret;
	c->if_t = t;
	c->if_f = f;
	c->site = site;
	if (c->tr->n[n].a == skip)
		ret = emit(c, (struct insn){ .op = OP_MARK, .site = site });
	else
		ret = cond(c, c->tr->n[n].a, t, f, skip);
	if (ret < 0)
		return ret;
	place(c, t);
	ret = statements(c, c->tr->n[n].b);
	if (ret < 0)
		return ret;
	place(c, f);
	return 0;
}

static int action(struct cc *c, uint32_t n)
{
	const struct node *nd = &c->tr->n[n];
	struct insn in = { .voff = nd->voff, .vlen = nd->vlen };
	int ret;

	ret = new_site(c, nd, &in.site);
	if (ret < 0)
		return ret;
	nd = &c->tr->n[n];
	switch (nd->kind) {
	case N_ACCEPT:
		in.op = OP_ACCEPT;
		break;
	case N_DENY:
		in.op = OP_DENY;
		break;
	case N_REQUIRE:
		in.op = OP_REQUIRE;
		break;
	case N_REDIRECT:
		in.op = OP_REDIRECT;
		in.jt = (uint32_t)c->nparams;
		for (uint32_t pn = nd->b; pn != NONE; pn = c->tr->n[pn].next) {
			const struct node *pd = &c->tr->n[pn];

			GROW(c->params, c->nparams, c->capparams);
			c->params[c->nparams++] = (struct param){ .uid = pd->kind == N_PARAM_UID,
								  .voff = pd->voff,
								  .vlen = pd->vlen };
			in.jf++;
		}
		break;
	default:
		return -EINVAL;
	}
	return emit(c, in);
}

/* The top-level conjuncts of a condition that could key a hash lookup. */
static void guards(const struct cc *c, uint32_t n, uint32_t *out, unsigned *nout)
{
	const struct node *nd = &c->tr->n[n];

	if (nd->kind == N_AND) {
		guards(c, nd->a, out, nout);
		guards(c, nd->b, out, nout);
	} else if (nd->kind == N_CMP && !nd->neg && nd->match == M_EXACT &&
		   nd->attr != A_FLOW_TAINT && *nout < MAX_GUARDS) {
		out[(*nout)++] = n;
	}
}

/* The conjunct of if n that tests attr/key with IS, or NONE. */
static uint32_t guard_for(const struct cc *c, uint32_t n, uint8_t attr, uint16_t key)
{
	uint32_t g[MAX_GUARDS];
	unsigned ng = 0;

	if (c->tr->n[n].kind != N_IF)
		return NONE;
	guards(c, c->tr->n[n].a, g, &ng);
	for (unsigned i = 0; i < ng; i++) {
		const struct node *nd = &c->tr->n[g[i]];

		if (nd->attr == attr && nd->key == key)
			return g[i];
	}
	return NONE;
}

static bool keyed(uint8_t attr)
{
	return attr == A_FROM_KEY || attr == A_TO_KEY;
}

/*
 * The run of ifs from s (count of them) on attr/key as one lookup. Ifs are
 * grouped by constant, each group keeps source order, and a group ends with
 * a jump past the run.
 */
static int dispatch(struct cc *c, uint32_t s, size_t count, uint8_t attr, uint16_t key)
{
	uint32_t *ifs = NULL, *grd = NULL, *gnext = NULL, *ghead = NULL, *gtail = NULL;
	uint32_t *slot = NULL;
	size_t ngroups = 0, size = 1, base, i;
	uint32_t end, n = s;
	int ret = -ENOMEM;

	while (size < 2 * count)
		size *= 2;
	ifs = malloc(count * sizeof(*ifs));
	grd = malloc(count * sizeof(*grd));
	gnext = malloc(count * sizeof(*gnext));
	ghead = malloc(count * sizeof(*ghead));
	gtail = malloc(count * sizeof(*gtail));
	slot = malloc(size * sizeof(*slot));
	if (!ifs || !grd || !gnext || !ghead || !gtail || !slot)
		goto out;
	for (i = 0; i < size; i++)
		slot[i] = NONE;
	/* Group the ifs by constant through a scratch table of the same shape. */
	for (i = 0; i < count; i++, n = c->tr->n[n].next) {
		const struct node *g;
		uint32_t h;
		size_t k;

		ifs[i] = n;
		grd[i] = guard_for(c, n, attr, keyed(attr) ? key : 0);
		gnext[i] = NONE;
		g = &c->tr->n[grd[i]];
		h = policy_hash(attr, c->tr->pool.p + g->voff, g->vlen);
		for (k = h & (size - 1); slot[k] != NONE; k = (k + 1) & (size - 1)) {
			const struct node *o = &c->tr->n[grd[ghead[slot[k]]]];

			if (policy_value_eq(attr, c->tr->pool.p + o->voff, o->vlen,
					    c->tr->pool.p + g->voff, g->vlen))
				break;
		}
		if (slot[k] == NONE) {
			slot[k] = (uint32_t)ngroups;
			ghead[ngroups] = gtail[ngroups] = (uint32_t)i;
			ngroups++;
		} else {
			gnext[gtail[slot[k]]] = (uint32_t)i;
			gtail[slot[k]] = (uint32_t)i;
		}
	}
	/* The run's table in the file's table: slots hold labels until fixup. */
	base = c->ntable;
	for (i = 0; i < size; i++) {
		if (c->ntable == c->captable) {
			size_t cap = c->captable ? c->captable * 2 : 64;
			struct dent *nt = realloc(c->table, cap * sizeof(*nt));

			if (!nt)
				goto out;
			c->table = nt;
			c->captable = cap;
		}
		c->table[c->ntable++] = (struct dent){ .vlen = NONE };
	}
	ret = new_label(c, &end);
	if (ret == 0)
		ret = emit(c, (struct insn){ .op = OP_DISPATCH,
					     .attr = attr,
					     .key = key,
					     .voff = (uint32_t)base,
					     .vlen = (uint32_t)size,
					     .jf = end });
	for (size_t gi = 0; ret == 0 && gi < ngroups; gi++) {
		const struct node *g = &c->tr->n[grd[ghead[gi]]];
		uint32_t h = policy_hash(attr, c->tr->pool.p + g->voff, g->vlen), l;
		size_t k;

		ret = new_label(c, &l);
		if (ret < 0)
			break;
		for (k = h & (size - 1); c->table[base + k].vlen != NONE; k = (k + 1) & (size - 1))
			;
		c->table[base + k] =
			(struct dent){ .hash = h, .voff = g->voff, .vlen = g->vlen, .target = l };
		place(c, l);
		for (uint32_t m = ghead[gi]; ret == 0 && m != NONE; m = gnext[m])
			ret = if_stmt(c, ifs[m], grd[m]);
		if (ret == 0 && gi + 1 < ngroups)
			ret = emit(c, (struct insn){ .op = OP_JUMP, .jt = end });
	}
	if (ret == 0)
		place(c, end);
out:
	free(ifs);
	free(grd);
	free(gnext);
	free(ghead);
	free(gtail);
	free(slot);
	return ret;
}

/* How many ifs from s on test attr/key with IS. */
static size_t run_length(const struct cc *c, uint32_t s, uint8_t attr, uint16_t key)
{
	size_t n = 0;

	for (; s != NONE && guard_for(c, s, attr, key) != NONE; s = c->tr->n[s].next)
		n++;
	return n;
}

static int statements(struct cc *c, uint32_t s)
{
	int ret;

	while (s != NONE) {
		const struct node *nd = &c->tr->n[s];

		if (nd->kind == N_IF && c->p->index_min) {
			uint32_t g[MAX_GUARDS];
			unsigned ng = 0;
			size_t best = 0;
			uint8_t battr = 0;
			uint16_t bkey = 0;

			guards(c, nd->a, g, &ng);
			for (unsigned i = 0; i < ng; i++) {
				const struct node *gd = &c->tr->n[g[i]];
				uint16_t key = keyed(gd->attr) ? gd->key : 0;
				size_t len = run_length(c, s, gd->attr, key);

				if (len > best) {
					best = len;
					battr = gd->attr;
					bkey = key;
				}
			}
			if (best >= c->p->index_min) {
				ret = dispatch(c, s, best, battr, bkey);
				if (ret < 0)
					return ret;
				while (best--)
					s = c->tr->n[s].next;
				continue;
			}
		}
		ret = nd->kind == N_IF ? if_stmt(c, s, NONE) : action(c, s);
		if (ret < 0)
			return ret;
		s = c->tr->n[s].next;
	}
	return 0;
}

static int fixup(struct cc *c)
{
	for (size_t pc = 0; pc < c->ncode; pc++) {
		struct insn *in = &c->code[pc];

		switch (in->op) {
		case OP_TEST:
			in->jt = c->labels[in->jt];
			in->jf = c->labels[in->jf];
			if (in->jt <= pc || in->jf <= pc)
				return -EINVAL;
			break;
		case OP_JUMP:
		case OP_DISPATCH:
			in->jt = in->op == OP_JUMP ? c->labels[in->jt] : 0;
			in->jf = in->op == OP_DISPATCH ? c->labels[in->jf] : 0;
			if ((in->op == OP_JUMP && in->jt <= pc) ||
			    (in->op == OP_DISPATCH && in->jf <= pc))
				return -EINVAL;
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; i < c->ntable; i++)
		if (c->table[i].vlen != NONE)
			c->table[i].target = c->labels[c->table[i].target];
	return 0;
}

void policy_pfile_free(struct pfile *pf)
{
	if (!pf)
		return;
	free(pf->name);
	free(pf->pool);
	free(pf->code);
	free(pf->table);
	free(pf->params);
	free(pf->sites);
	free(pf);
}

int policy_compile(struct policy *p, const char *name, const char *src, const struct token *t,
		   struct tree *tr, struct pfile **out, struct perr *err)
{
	struct cc c = { .p = p, .src = src, .t = t, .tr = tr };
	struct pfile *pf = NULL;
	int ret;

	(void)err;
	ret = statements(&c, tr->first);
	if (ret == 0)
		ret = emit(&c, (struct insn){ .op = OP_RET });
	if (ret == 0)
		ret = fixup(&c);
	if (ret < 0)
		goto out;
	ret = -ENOMEM;
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		goto out;
	pf->name = strdup(name);
	pf->sites = calloc(c.nsites ? c.nsites : 1, sizeof(*pf->sites));
	if (!pf->name || !pf->sites)
		goto out;
	/* The pool is final now, so sites can point into it. */
	pf->pool = tr->pool.p;
	pf->pool_len = tr->pool.len;
	tr->pool = (struct pool){ 0 };
	for (size_t i = 0; i < c.nsites; i++) {
		const struct site_rec *s = &c.sites[i];

		pf->sites[i] = (struct policy_site){
			.file = pf->name,
			.line = s->line,
			.col = s->col,
			.label = slice_make(pf->pool ? pf->pool + s->loff : "", s->llen),
			.text = slice_make(pf->pool ? pf->pool + s->toff : "", s->tlen),
		};
	}
	pf->nsites = c.nsites;
	pf->code = c.code;
	pf->ncode = c.ncode;
	pf->table = c.table;
	pf->ntable = c.ntable;
	pf->params = c.params;
	pf->nparams = c.nparams;
	c.code = NULL;
	c.table = NULL;
	c.params = NULL;
	*out = pf;
	pf = NULL;
	ret = 0;
out:
	policy_pfile_free(pf);
	free(c.code);
	free(c.labels);
	free(c.table);
	free(c.params);
	free(c.sites);
	return ret;
}

/* ---- the policy object ---- */

struct policy *policy_new(void)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (p)
		p->index_min = INDEX_MIN_DEFAULT;
	return p;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->nfiles; i++)
		policy_pfile_free(p->files[i]);
	free(p->files);
	free(p);
}

void policy_set_index_min(struct policy *p, unsigned min_run)
{
	p->index_min = min_run;
}

unsigned policy_nfiles(const struct policy *p)
{
	return p->nfiles;
}

int policy_add(struct policy *p, const char *name, const char *text, size_t len,
	       struct policy_err *err)
{
	unsigned nkeys = p->keys.n;
	struct token *t = NULL;
	struct tree tr = { 0 };
	struct perr pe = { 0 };
	struct pfile *pf = NULL, **nf;
	size_t nt;
	int ret;

	ret = policy_lex(text, len, &t, &nt, &pe);
	if (ret == 0)
		ret = policy_parse(text, len, t, nt, &tr, &p->keys, &pe);
	if (ret == 0)
		ret = policy_compile(p, name, text, t, &tr, &pf, &pe);
	if (ret == 0) {
		nf = realloc(p->files, (p->nfiles + 1) * sizeof(*nf));
		if (nf) {
			p->files = nf;
			p->files[p->nfiles++] = pf;
			pf = NULL;
		} else {
			ret = -ENOMEM;
		}
	}
	if (ret < 0) {
		p->keys.n = nkeys; /* the file never happened */
		if (err && ret == -EINVAL && pe.msg) {
			err->line = pe.line;
			err->col = pe.col;
			snprintf(err->text, sizeof(err->text), "%s:%u:%u: %s", name, pe.line,
				 pe.col, pe.msg);
		} else if (err) {
			err->line = err->col = 0;
			snprintf(err->text, sizeof(err->text), "%s: %s", name,
				 ret == -EFBIG ? "policy too large" : strerror(-ret));
		}
	}
	policy_pfile_free(pf);
	policy_tree_free(&tr);
	free(t);
	return ret;
}

/* The whole file, up to POLICY_MAX_TEXT bytes. */
static int read_file(const char *path, char **out, size_t *outlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	int ret = 0;

	if (!f)
		return -errno;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > POLICY_MAX_TEXT + 1)
				cap = POLICY_MAX_TEXT + 1;
			if (len == cap) {
				ret = -EFBIG;
				break;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ret == 0 && ferror(f))
		ret = -EIO;
	if (ret == 0 && len > POLICY_MAX_TEXT)
		ret = -EFBIG;
	fclose(f);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int policy_load(struct policy *p, const char *path, struct policy_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = read_file(path, &text, &len);
	if (ret < 0) {
		if (err) {
			err->line = err->col = 0;
			snprintf(err->text, sizeof(err->text), "%s: %s", path,
				 ret == -EFBIG ? "policy too large" : strerror(-ret));
		}
		return ret;
	}
	ret = policy_add(p, path, text ? text : "", len, err);
	free(text);
	return ret;
}
