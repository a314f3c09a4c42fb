/* SPDX-License-Identifier: MIT */
/* What every benchmark in bench/ needs: a monotonic clock, CPU time and medians. */
#ifndef NUTSS_BENCH_H
#define NUTSS_BENCH_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BENCH_MAX_REPEATS 64

/* Results feed this so the compiler cannot drop work whose output is unused. */
static volatile uintptr_t bench_sink __attribute__((unused));

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Seconds of CPU (user and system) in r. */
static inline double bench_cpu_s(const struct rusage *r)
{
	return (double)r->ru_utime.tv_sec + (double)r->ru_utime.tv_usec * 1e-6 +
	       (double)r->ru_stime.tv_sec + (double)r->ru_stime.tv_usec * 1e-6;
}

/* The median of n values (n <= BENCH_MAX_REPEATS); v is left as it was. */
static inline double bench_median(const double *v, int n)
{
	double s[BENCH_MAX_REPEATS];

	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), bench_cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

#endif
