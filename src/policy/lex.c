// SPDX-License-Identifier: MIT
/*
 * The policy lexer: the whole file becomes an array of tokens first,
 * because deciding which if an end closes looks ahead at every if and end
 * still to come (parse.c).
 *
 * Line labels ("1:", "A:", "C:" in the paper's figures) are skipped here:
 * they number lines for the reader and mean nothing to the program.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"

#define LABEL_MAX 4 /* "A:", "12:", ...; longer words before a colon are not labels */

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

/* Bytes that end a word. */
static bool is_delim(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == ')' ||
	       c == ',' || c == '"' || c == '#' || is_control(c);
}

size_t policy_label_len(const char *src, size_t len, size_t off)
{
	size_t i = off;

	while (i < len && i - off < LABEL_MAX && is_alnum((unsigned char)src[i]))
		i++;
	if (i == off || i >= len || src[i] != ':')
		return 0;
	return i + 1 - off;
}

static const struct {
	const char *s;
	uint8_t type;
} keywords[] = {
	{ "if", T_IF },	  { "end", T_END }, { "and", T_AND },	{ "or", T_OR },
	{ "not", T_NOT }, { "is", T_IS },   { "like", T_LIKE },
};

static uint8_t word_type(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].s) == n && ascii_ieq(s, keywords[i].s, n))
			return keywords[i].type;
	return T_WORD;
}

static int fail(struct perr *err, uint32_t line, uint32_t col, const char *msg)
{
	err->line = line;
	err->col = col;
	err->msg = msg;
	return -EINVAL;
}

int policy_lex(const char *src, size_t len, struct token **out, size_t *n, struct perr *err)
{
	struct token *t = NULL, *nt;
	size_t nn = 0, cap = 0, i = 0, line_start = 0;
	uint32_t line = 1, k = 0;
	bool at_line_start = true;

	if (len > POLICY_MAX_TEXT)
		return -EFBIG;
	for (;;) {
		struct token tok = { 0 };
		unsigned char c;

		if (at_line_start) {
			while (i < len && (src[i] == ' ' || src[i] == '\t'))
				i++;
			i += policy_label_len(src, len, i);
			at_line_start = false;
		}
		if (i >= len)
			break;
		c = (unsigned char)src[i];
		if (c == '\n') {
			i++;
			line++;
			line_start = i;
			at_line_start = true;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c == '#') {
			while (i < len && src[i] != '\n') {
				if (is_control((unsigned char)src[i])) {
					free(t);
					return fail(err, line, (uint32_t)(i - line_start + 1),
						    "control character in a comment");
				}
				i++;
			}
			continue;
		}
		tok.off = (uint32_t)i;
		tok.line = line;
		tok.col = (uint32_t)(i - line_start + 1);
		if (is_control(c)) {
			free(t);
			snprintf(err->buf, sizeof(err->buf), "control character 0x%02x", c);
			return fail(err, tok.line, tok.col, err->buf);
		} else if (c == '(' || c == ')' || c == ',') {
			tok.type = c == '(' ? T_LPAREN : c == ')' ? T_RPAREN : T_COMMA;
			i++;
		} else if (c == '"') {
			i++;
			for (;;) {
				if (i >= len || src[i] == '\n' || src[i] == '\r') {
					free(t);
					return fail(err, tok.line, tok.col, "unterminated string");
				}
				if (is_control((unsigned char)src[i])) {
					free(t);
					return fail(err, line, (uint32_t)(i - line_start + 1),
						    "control character in a string");
				}
				if (src[i] == '"')
					break;
				/* A backslash makes the next byte literal. */
				if (src[i] == '\\' && i + 1 < len && src[i + 1] != '\n' &&
				    src[i + 1] != '\r' && !is_control((unsigned char)src[i + 1]))
					i++;
				i++;
			}
			i++;
			tok.type = T_STRING;
		} else {
			while (i < len && !is_delim((unsigned char)src[i])) {
				/* "\(" or "\ ": an escaped delimiter stays in the word */
				if (src[i] == '\\' && i + 1 < len && src[i + 1] != '\n' &&
				    src[i + 1] != '\r' && !is_control((unsigned char)src[i + 1]))
					i++;
				i++;
			}
			tok.type = word_type(src + tok.off, i - tok.off);
		}
		tok.len = (uint32_t)(i - tok.off);
		if (tok.type == T_IF || tok.type == T_END)
			tok.k = k++;
		/* One slot more than the tokens, for the T_EOF at the end. */
		if (nn + 2 > cap) {
			cap = cap ? cap * 2 : 64;
			nt = realloc(t, cap * sizeof(*t));
			if (!nt) {
				free(t);
				return -ENOMEM;
			}
			t = nt;
		}
		t[nn++] = tok;
	}
	if (nn + 1 > cap) {
		nt = realloc(t, (nn + 1) * sizeof(*t));
		if (!nt) {
			free(t);
			return -ENOMEM;
		}
		t = nt;
	}
	t[nn] = (struct token){ .type = T_EOF,
				.off = (uint32_t)len,
				.line = line,
				.col = (uint32_t)(len - line_start + 1) };
	*out = t;
	*n = nn + 1;
	return 0;
}
