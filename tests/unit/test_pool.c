// SPDX-License-Identifier: MIT
/* A worker's transaction memory: sizes, reuse without growth, large blocks, huge-page maps, reserve. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "pbox/pool.h"

static void test_sizes_and_alignment(void)
{
	static const size_t lens[] = { 0, 1, 200, 240, 241, 500, 1000, 1500, 4000, 8176, 8177, 70000 };
	struct pool pool = { 0 };
	void *blk[sizeof(lens) / sizeof(lens[0])];

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		blk[i] = pool_alloc(&pool, lens[i]);
		CHECK(blk[i] != NULL);
		if (!blk[i])
			return;
		CHECK(((uintptr_t)blk[i] & 15) == 0);
		CHECK(pool_capacity(blk[i]) >= lens[i]);
		/* sizes step by at most 1.5: a block is at most half again what was asked */
		CHECK(lens[i] < 240 || pool_capacity(blk[i]) <= lens[i] + lens[i] / 2 + 16);
		memset(blk[i], 0xa5, lens[i]); /* ASan: every byte asked for is ours */
	}
	/* the blocks do not overlap */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (size_t j = 0; j < i; j++)
			CHECK((char *)blk[i] >= (char *)blk[j] + pool_capacity(blk[j]) ||
			      (char *)blk[j] >= (char *)blk[i] + pool_capacity(blk[i]));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		pool_free(&pool, blk[i]);
	pool_free(&pool, NULL);
	pool_release(&pool);
	CHECK_INT(pool.chunk_bytes, 0);
}

/* A load that comes and goes reuses what it freed: the pool stops growing. */
static void test_reuse_without_growth(void)
{
	enum { N = 20000 };
	static void *blk[N];
	struct pool pool = { 0 };
	size_t held;

	for (unsigned i = 0; i < N; i++)
		CHECK((blk[i] = pool_alloc(&pool, 300 + (i % 7) * 150)) != NULL);
	held = pool.chunk_bytes;
	CHECK(held > 0);
	for (unsigned round = 0; round < 5; round++) {
		for (unsigned i = 0; i < N; i++)
			pool_free(&pool, blk[i]);
		for (unsigned i = 0; i < N; i++)
			CHECK((blk[i] = pool_alloc(&pool, 300 + (i % 7) * 150)) != NULL);
	}
	CHECK_INT(pool.chunk_bytes, held);
	/* the newest freed block of a size is the next one handed out */
	{
		void *a = blk[0];

		pool_free(&pool, a);
		blk[0] = pool_alloc(&pool, 300);
		CHECK(blk[0] == a);
	}
	for (unsigned i = 0; i < N; i++)
		pool_free(&pool, blk[i]);
	pool_release(&pool);
}

static void test_map_is_aligned_and_zero(void)
{
	size_t len = 5u << 20;
	unsigned char *p = pool_map(len);

	CHECK(p != NULL);
	if (!p)
		return;
	CHECK(((uintptr_t)p & ((2u << 20) - 1)) == 0);
	CHECK(p[0] == 0 && p[len / 2] == 0 && p[len - 1] == 0);
	p[len - 1] = 1;
	pool_unmap(p, len);
}

/* Reserved chunks are in memory before use, and used before the pool maps more. */
static void test_reserve(void)
{
	enum { CHUNKS = 3 };
	unsigned char resident[POOL_CHUNK / 4096];
	struct pool pool = { 0 };
	size_t carved = 0;

	CHECK_INT(pool_reserve(&pool, (CHUNKS - 1) * POOL_CHUNK + 1), 0);
	CHECK_INT(pool.chunk_bytes, CHUNKS * POOL_CHUNK);
	for (void *c = pool.spare; c; c = *(void **)c) {
		CHECK_INT(mincore(c, POOL_CHUNK, resident), 0);
		for (size_t i = 0; i < sizeof(resident); i++)
			if (!(resident[i] & 1)) {
				CHECK(!"a reserved page is not in memory");
				break;
			}
	}
	/* blocks filling the reserve come from it; one more makes the pool grow */
	while (carved + 4096 <= CHUNKS * (POOL_CHUNK - 8192)) {
		CHECK(pool_alloc(&pool, 4000) != NULL);
		carved += 4096;
	}
	CHECK_INT(pool.chunk_bytes, CHUNKS * POOL_CHUNK);
	CHECK(pool.spare == NULL);
	for (unsigned i = 0; i < 500; i++) /* the reserve's last block, then a new chunk */
		CHECK(pool_alloc(&pool, 4000) != NULL);
	CHECK_INT(pool.chunk_bytes, (CHUNKS + 1) * POOL_CHUNK);
	CHECK_INT(pool_reserve(&pool, 0), 0);
	CHECK_INT(pool.chunk_bytes, (CHUNKS + 1) * POOL_CHUNK);
	pool_release(&pool);
	CHECK_INT(pool.chunk_bytes, 0);
}

int main(void)
{
	RUN(test_sizes_and_alignment);
	RUN(test_reuse_without_growth);
	RUN(test_map_is_aligned_and_zero);
	RUN(test_reserve);
	return check_summary();
}
