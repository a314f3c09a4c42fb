/* SPDX-License-Identifier: MIT */
/*
 * Logging for the daemons: one line per event on stderr, with a timestamp,
 * the level and the thread's name, so an operator can grep and act on it.
 * Untrusted bytes are never printed raw: log_slice() escapes them.
 */
#ifndef NUTSS_LOG_H
#define NUTSS_LOG_H

#include <stdbool.h>

#include "core/slice.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);
/* Parse "error", "warn", "info", "debug"; returns -1 if unknown. */
int log_level_parse(const char *s);
/* The calling thread's name in log lines ("main", "worker-2"). */
void log_set_thread(const char *name);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copy s into buf for logging, escaping anything but printable ASCII; returns buf. */
const char *log_slice(char *buf, size_t len, struct slice s);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_enabled(LOG_DEBUG))                                                        \
			log_msg(LOG_DEBUG, __VA_ARGS__);                                           \
	} while (0)

#endif
