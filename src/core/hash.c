// SPDX-License-Identifier: MIT
/* The key of the tables' hash (hash.h), drawn once per process. */
#include <errno.h>
#include <sys/random.h>

#include "core/hash.h"

uint64_t hash_key[2];

int hash_key_init(void)
{
	unsigned char *k = (unsigned char *)hash_key;
	size_t got = 0;

	while (got < sizeof(hash_key)) {
		ssize_t r = getrandom(k + got, sizeof(hash_key) - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	return 0;
}
