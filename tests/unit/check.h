/* SPDX-License-Identifier: MIT */
/*
 * The whole unit-test framework. A test file defines test functions,
 * lists them in main() with RUN(), and returns check_summary(): the runner
 * ends with "N passed, N failed" like every other test in the tree.
 */
#ifndef NUTSS_CHECK_H
#define NUTSS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed_in_test;
static int check_tests_passed, check_tests_failed;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                    \
			check_failed_in_test = 1;                                          \
		}                                                                          \
	} while (0)

#define CHECK_INT(a, b)                                                                    \
	do {                                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);                        \
		if (a_ != b_) {                                                            \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n",      \
				__FILE__, __LINE__, #a, a_, #b, b_);                       \
			check_failed_in_test = 1;                                          \
		}                                                                          \
	} while (0)

/* Compare a struct slice (or anything with .p/.len) with a C string. */
#define CHECK_SLICE(s, str)                                                                \
	do {                                                                               \
		const char *e_ = (str);                                                    \
		if ((s).len != strlen(e_) || ((s).len && memcmp((s).p, e_, (s).len))) {   \
			fprintf(stderr, "  %s:%d: %s is \"%.*s\", expected \"%s\"\n",      \
				__FILE__, __LINE__, #s, (int)(s).len,                      \
				(s).p ? (s).p : "", e_);                                   \
			check_failed_in_test = 1;                                          \
		}                                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                                    \
	do {                                                                               \
		const char *a_ = (a), *b_ = (b);                                           \
		if (!a_ || strcmp(a_, b_)) {                                               \
			fprintf(stderr, "  %s:%d: %s is \"%s\", expected \"%s\"\n",        \
				__FILE__, __LINE__, #a, a_ ? a_ : "(null)", b_);           \
			check_failed_in_test = 1;                                          \
		}                                                                          \
	} while (0)

#define RUN(fn)                                                                            \
	do {                                                                               \
		check_failed_in_test = 0;                                                  \
		fn();                                                                      \
		if (check_failed_in_test) {                                                \
			fprintf(stderr, "FAIL %s\n", #fn);                                 \
			check_tests_failed++;                                              \
		} else {                                                                   \
			check_tests_passed++;                                              \
		}                                                                          \
	} while (0)

static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", check_tests_passed, check_tests_failed);
	return check_tests_failed ? 1 : 0;
}

#endif
