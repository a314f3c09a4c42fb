/* SPDX-License-Identifier: MIT */
/* FNV-1a over bytes: the hash of the per-worker tables (transactions, TCP peers). */
#ifndef NUTSS_CORE_HASH_H
#define NUTSS_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_SEED 2166136261u

/* Continue the hash h over n bytes at p (start from FNV1A_SEED). */
static inline uint32_t fnv1a(const void *p, size_t n, uint32_t h)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

#endif
