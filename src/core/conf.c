// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int conf_parse(const char *name, const char *buf, size_t len, conf_setter set, void *arg,
	       char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len;
	unsigned lineno = 0;

	if (len > CONF_MAX_FILE) {
		snprintf(err, errlen, "%s: file larger than %d bytes", name, CONF_MAX_FILE);
		return -EFBIG;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[CONF_MAX_LINE + 1], msg[160], *k, *v, *eq;
		int ret;

		lineno++;
		if (n > CONF_MAX_LINE) {
			snprintf(err, errlen, "%s:%u: line longer than %d bytes", name, lineno,
				 CONF_MAX_LINE);
			return -EINVAL;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (memchr(line, '\0', n)) {
			snprintf(err, errlen, "%s:%u: NUL byte", name, lineno);
			return -EINVAL;
		}
		if ((k = strchr(line, '#')))
			*k = '\0';
		k = trim(line);
		if (!*k)
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: expected 'key = value'", name, lineno);
			return -EINVAL;
		}
		*eq = '\0';
		v = trim(eq + 1);
		k = trim(k);
		ret = set(arg, k, v, msg, sizeof(msg));
		if (ret < 0) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, msg);
			return ret;
		}
	}
	return 0;
}

int conf_load(const char *path, conf_setter set, void *arg, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	buf = malloc(CONF_MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, CONF_MAX_FILE + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		ret = -EIO;
	} else {
		ret = conf_parse(path, buf, n, set, arg, err, errlen);
	}
	free(buf);
	fclose(f);
	return ret;
}

int conf_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	if (!*v || *v == '-' || *v == '+')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

int conf_bool(const char *v, bool *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

int conf_str(char *dst, size_t len, const char *v)
{
	size_t n = strlen(v);

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(dst, v, n + 1);
	return 0;
}
