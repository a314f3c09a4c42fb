/* SPDX-License-Identifier: MIT */
/*
 * A bounded output buffer: every reply, header, SDP body and log line is
 * assembled through one. Writes never go past the buffer: the first write
 * that does not fit sets `overflow` and every later write is ignored, so a
 * sequence of writes needs one check at the end (buf_done()), not one per
 * line, and no caller ever adds up lengths by hand (the 420 of issue 15 was
 * an offset summed from snprintf results that ran past its array).
 */
#ifndef NUTSS_CORE_BUF_H
#define NUTSS_CORE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

struct buf {
	char *p;
	size_t len;
	size_t cap;
	bool overflow;
	bool str; /* p[cap] exists: room for a NUL (buf_init_str) */
};

void buf_init(struct buf *b, char *mem, size_t cap);
/* For text read back as a C string (buf_str): one byte of mem is kept for the NUL. */
void buf_init_str(struct buf *b, char *mem, size_t size);
void buf_put(struct buf *b, const void *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_slice(struct buf *b, struct slice s);
/* A number in decimal, without printf. */
void buf_uint(struct buf *b, uint64_t v);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Whether n more bytes fit (false once anything did not). */
bool buf_fits(const struct buf *b, size_t n);
/* The length written, or -1 if anything did not fit. */
int buf_done(const struct buf *b);
/* The text so far, NUL-terminated; only for a buffer made by buf_init_str(). */
const char *buf_str(struct buf *b);

#endif
