/* SPDX-License-Identifier: MIT */
/*
 * The daemons' configuration files: "key = value" lines, '#' comments,
 * bounded (CONF_MAX_FILE, CONF_MAX_LINE), every error as "file:line: what".
 * Each daemon says what its keys mean in the setter it passes.
 */
#ifndef NUTSS_CORE_CONF_H
#define NUTSS_CORE_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define CONF_MAX_LINE 1024
#define CONF_MAX_FILE (256 * 1024)

/* Set one key; on error write a message (no file/line) into msg and return < 0. */
typedef int (*conf_setter)(void *arg, const char *key, const char *value, char *msg, size_t msglen);

int conf_parse(const char *name, const char *buf, size_t len, conf_setter set, void *arg,
	       char *err, size_t errlen);
/* Read path whole (at most CONF_MAX_FILE bytes) and parse it. */
int conf_load(const char *path, conf_setter set, void *arg, char *err, size_t errlen);

/* Values, for the setters: 0, or -EINVAL (-ENAMETOOLONG) with *out untouched. */
/* A decimal number in [min, max]: no sign, no space, nothing after it. */
int conf_uint(const char *v, unsigned min, unsigned max, unsigned *out);
/* on/yes/true or off/no/false. */
int conf_bool(const char *v, bool *out);
/* A string that must fit dst whole. */
int conf_str(char *dst, size_t len, const char *v);

#endif
