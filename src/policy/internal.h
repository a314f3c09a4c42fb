/* SPDX-License-Identifier: MIT */
/*
 * What the lexer, parser, compiler and evaluator of src/policy/ share. Not
 * installed: everything outside src/policy/ goes through policy.h.
 *
 * Pipeline: text -> tokens (lex.c) -> a tree of nodes in one array
 * (parse.c) -> instructions (compile.c) -> decisions (eval.c).
 */
#ifndef NUTSS_POLICY_INTERNAL_H
#define NUTSS_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

/* ---- tokens ---- */

enum tok_type {
	T_EOF,
	T_WORD,	  /* attribute, value, action name: anything but space ( ) , " # */
	T_STRING, /* "quoted", with \" and \\ */
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	/* keywords, case-insensitive and reserved */
	T_IF,
	T_END,
	T_AND,
	T_OR,
	T_NOT,
	T_IS,
	T_LIKE,
};

struct token {
	uint8_t type;
	uint32_t off, len; /* in the source; a string's span includes its quotes */
	uint32_t line, col;
	uint32_t k; /* T_IF/T_END: index among the file's ifs and ends */
};

/* Where a compile error is: static text or formatted into buf. */
struct perr {
	uint32_t line, col;
	const char *msg;
	char buf[200];
};

int policy_lex(const char *src, size_t len, struct token **out, size_t *n, struct perr *err);
/* A line label ("1:", "C:") at src[off], which must start a line: its length with the colon, else
 * 0. */
size_t policy_label_len(const char *src, size_t len, size_t off);

/* ---- the tree ---- */

enum attr {
	A_FROM_USER, /* user@domain */
	A_FROM_DOMAIN,
	A_FROM_KEY, /* any other descriptor key, interned in .key */
	A_TO_USER,
	A_TO_DOMAIN,
	A_TO_KEY,
	A_FLOW_PROTOCOL,
	A_FLOW_APP,
	A_FLOW_ENC,
	A_FLOW_TAINT, /* several values: a test matches if any value does */
	A_FLOW_ADDRESS,
	A_FLOW_PORT,
};

/* How a value is matched; LIKE patterns are classified at compile time. */
enum match {
	M_EXACT,  /* IS, or a LIKE pattern without wildcards */
	M_PREFIX, /* "abc*": the literal is stored without the star */
	M_SUFFIX, /* "*abc" */
	M_ANY,	  /* "*": any present value */
	M_GLOB,	  /* anything else: wildcards encoded as GLOB_STAR, GLOB_ONE */
};

#define GLOB_STAR '\001' /* the lexer refuses control bytes, so these never clash */
#define GLOB_ONE  '\002'

enum node_kind {
	N_CMP,
	N_AND,
	N_OR,
	N_NOT,
	N_IF,
	N_ACCEPT,
	N_DENY,
	N_REDIRECT,
	N_REQUIRE,
	N_PARAM_UID,
	N_PARAM_LIT,
};

#define NONE UINT32_MAX

struct node {
	uint8_t kind;
	uint8_t attr;  /* N_CMP */
	uint8_t match; /* N_CMP */
	bool neg;      /* N_CMP: NOT / NOT LIKE */
	bool block;    /* N_IF: closed by end */
	uint16_t key;  /* N_CMP on A_*_KEY */
	uint32_t a,
		b; /* AND/OR: l, r; NOT: a; IF: cond, first statement; REDIRECT: -, first param */
	uint32_t next;	       /* next statement or parameter */
	uint32_t voff, vlen;   /* string in the pool: value, reason, target, enc; NONE if absent */
	uint32_t tok, tok_end; /* the source span, for sites */
	uint32_t end_tok;      /* N_IF with block: its end */
};

/* A growable byte pool; strings are referred to by offset while it grows. */
struct pool {
	char *p;
	size_t len, cap;
};

struct keytab {
	char name[POLICY_MAX_KEYS][POLICY_MAX_KEY_LEN + 1];
	uint8_t len[POLICY_MAX_KEYS];
	unsigned n;
};

struct tree {
	struct node *n;
	size_t nn, cap;
	uint32_t first; /* first top-level statement */
	struct pool pool;
};

int policy_parse(const char *src, size_t len, const struct token *t, size_t nt, struct tree *tr,
		 struct keytab *keys, struct perr *err);
void policy_tree_free(struct tree *tr);
/* Copy the source span of tokens [t0, t1] onto one line: spaces collapsed, labels and comments
 * dropped. */
int policy_flatten(struct pool *pool, const char *src, const struct token *t, uint32_t t0,
		   uint32_t t1, uint32_t *off, uint32_t *len);
int pool_add(struct pool *pool, const void *s, size_t n, uint32_t *off);

/* ---- compiled form ---- */

enum op {
	OP_TEST,     /* attr/key match value: pc = match ? jt : jf */
	OP_DISPATCH, /* attr/key looked up in table [voff, voff + vlen): pc = hit or jf */
	OP_JUMP,     /* pc = jt */
	OP_MARK,     /* trace: the if at site is true (its condition had no test left) */
	OP_ACCEPT,
	OP_DENY,     /* reason voff/vlen, or voff == NONE */
	OP_REDIRECT, /* target voff/vlen; params [jt, jt + jf) */
	OP_REQUIRE,  /* enc value voff/vlen */
	OP_RET,	     /* end of the file: this file does not decide */
};

#define TR_T 1 /* taking jt decides the if at site: trace "true" */
#define TR_F 2 /* taking jf decides it: trace "false" */

struct insn {
	uint8_t op;
	uint8_t attr;
	uint8_t match;
	uint8_t flags;
	uint16_t key;
	uint32_t voff, vlen;
	uint32_t jt, jf;
	uint32_t site;
};

struct dent {
	uint32_t hash;
	uint32_t voff, vlen; /* vlen == NONE: empty slot */
	uint32_t target;
};

struct param {
	bool uid;
	uint32_t voff, vlen;
};

struct pfile {
	char *name;
	char *pool; /* every string the code refers to */
	size_t pool_len;
	struct insn *code;
	size_t ncode;
	struct dent *table;
	size_t ntable;
	struct param *params;
	size_t nparams;
	struct policy_site *sites;
	size_t nsites;
};

struct policy {
	struct pfile **files;
	unsigned nfiles;
	unsigned index_min;
	struct keytab keys;
};

/* Hash and compare values the way matching does (eval.c). */
uint32_t policy_hash(uint8_t attr, const char *v, size_t n);
bool policy_value_eq(uint8_t attr, const char *a, size_t alen, const char *b, size_t blen);

int policy_compile(struct policy *p, const char *name, const char *src, const struct token *t,
		   struct tree *tr, struct pfile **out, struct perr *err);
void policy_pfile_free(struct pfile *pf);

#endif
