// SPDX-License-Identifier: MIT
/* The bounded buffer every reply and log line is built in, and log_slice() on it. */
#include "check.h"
#include "core/buf.h"
#include "core/log.h"

static void test_overflow_is_sticky(void)
{
	char mem[16];
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	buf_puts(&b, "0123456789");
	CHECK_INT(buf_done(&b), 10);
	buf_puts(&b, "0123456789");
	CHECK(b.overflow);
	buf_puts(&b, "x"); /* would fit, but the message is already broken */
	CHECK_INT(buf_done(&b), -1);
	CHECK_INT(b.len, 10);
	CHECK(!buf_fits(&b, 1));
}

/* Canaries past the end: nothing may ever be written there. */
static void test_never_past_the_end(void)
{
	char mem[24];
	struct buf b;

	for (size_t cap = 0; cap <= 8; cap++) {
		memset(mem, '#', sizeof(mem));
		buf_init(&b, mem, cap);
		buf_printf(&b, "%s", "abcdefghijkl");
		buf_puts(&b, "xyz");
		buf_uint(&b, 1234567890123ull);
		for (size_t i = cap; i < sizeof(mem); i++)
			CHECK(mem[i] == '#');
	}
	for (size_t size = 1; size <= 8; size++) {
		memset(mem, '#', sizeof(mem));
		buf_init_str(&b, mem, size);
		buf_printf(&b, "%d-%d", 12, 34);
		CHECK(buf_str(&b) == mem);
		CHECK(strlen(mem) < size);
		for (size_t i = size; i < sizeof(mem); i++)
			CHECK(mem[i] == '#');
	}
}

/* A string buffer holds exactly size - 1 bytes, by printf as by put. */
static void test_str_exact_fit(void)
{
	char mem[6];
	struct buf b;

	buf_init_str(&b, mem, sizeof(mem));
	buf_printf(&b, "%s", "abcde");
	CHECK_INT(buf_done(&b), 5);
	CHECK_STR(buf_str(&b), "abcde");
	buf_init_str(&b, mem, sizeof(mem));
	buf_printf(&b, "%s", "abcdef");
	CHECK_INT(buf_done(&b), -1);
	buf_init(&b, mem, 5); /* no room for printf's NUL: a 5-byte printf does not fit */
	buf_printf(&b, "%s", "abcde");
	CHECK_INT(buf_done(&b), -1);
	CHECK(buf_str(&b) == NULL);
}

static void test_fits(void)
{
	char mem[8];
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	buf_puts(&b, "abc");
	CHECK(buf_fits(&b, 5));
	CHECK(!buf_fits(&b, 6));
	buf_uint(&b, 0);
	buf_uint(&b, 42);
	CHECK_INT(buf_done(&b), 6);
	CHECK(!memcmp(mem, "abc042", 6));
}

/* log_slice escapes, and cuts at whole characters, never half an escape. */
static void test_log_slice(void)
{
	char out[16];

	CHECK_STR(log_slice(out, sizeof(out), SLICE_LIT("a\r\nb")), "a\\x0d\\x0ab");
	CHECK_STR(log_slice(out, 8, SLICE_LIT("ab\x01\x02")), "ab\\x01");
	CHECK_STR(log_slice(out, 1, SLICE_LIT("abc")), "");
	CHECK_STR(log_slice(out, sizeof(out), SLICE_LIT("back\\slash")), "back\\x5cslash");
}

int main(void)
{
	RUN(test_overflow_is_sticky);
	RUN(test_never_past_the_end);
	RUN(test_str_exact_fit);
	RUN(test_fits);
	RUN(test_log_slice);
	return check_summary();
}
