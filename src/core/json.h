/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer for the CLI's --json output. Strings are
 * written from slices of untrusted bytes, so escaping is total: control
 * bytes become \uXXXX, and bytes that are not valid UTF-8 are written as the
 * code point of the same value (read as Latin-1) so the output is always
 * valid JSON.
 */
#ifndef NUTSS_JSON_H
#define NUTSS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/slice.h"

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	bool has_items[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
/* key is NULL inside arrays and at top level. */
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, struct slice s); /* NULL .p: null */
void json_cstr(struct json *j, const char *key, const char *s);
void json_int(struct json *j, const char *key, long long v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* Write s as a JSON string literal (quotes included). */
void json_write_string(FILE *f, struct slice s);

#endif
