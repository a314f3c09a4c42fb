// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"

static volatile int current = LOG_INFO;
static __thread char thread_name[16] = "main";
static const char *const names[] = { "error", "warn", "info", "debug" };

void log_set_level(enum log_level level)
{
	current = level;
}

bool log_enabled(enum log_level level)
{
	return (int)level <= current;
}

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

void log_set_thread(const char *name)
{
	snprintf(thread_name, sizeof(thread_name), "%s", name);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	struct buf b;
	va_list ap;

	if (!log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	/* room kept for the newline: a line too long is cut, never dropped */
	buf_init_str(&b, line, sizeof(line) - 1);
	buf_printf(&b, "%s.%03ldZ %-5s [%s] ", stamp, ts.tv_nsec / 1000000, names[level],
		   thread_name);
	va_start(ap, fmt);
	if (!b.overflow)
		vsnprintf(line + b.len, b.cap + 1 - b.len, fmt, ap);
	va_end(ap);
	b.len += strlen(line + b.len);
	line[b.len++] = '\n';
	line[b.len] = '\0';
	/* One fputs per line: lines from different threads never interleave. */
	fputs(line, stderr);
}

const char *log_slice(char *mem, size_t len, struct slice s)
{
	static const char hex[] = "0123456789abcdef";
	struct buf b;

	if (!len)
		return mem;
	buf_init_str(&b, mem, len);
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
		bool plain = c >= 0x20 && c < 0x7f && c != '\\';

		/* whole characters only: never half an escape */
		if (!buf_fits(&b, plain ? 1 : 4))
			break;
		buf_put(&b, plain ? (const char *)&s.p[i] : esc, plain ? 1 : 4);
	}
	return buf_str(&b);
}
