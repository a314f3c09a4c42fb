// SPDX-License-Identifier: MIT
/*
 * A worker's memory for transactions (pool.h says why). Every block starts
 * with a 16-byte header holding its capacity and size class, so a block is
 * freed without the caller knowing its size and the memory after the header
 * keeps malloc's 16-byte alignment. Blocks larger than the largest class
 * (a message copy over 8 KiB: rare, SIP over UDP rarely passes 1,500 bytes)
 * come from malloc with the same header.
 *
 * Built with AddressSanitizer, free blocks and the unused rest of a chunk
 * are poisoned, so a use after free of a transaction is still caught.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pbox/pool.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#define poison(p, n)   ASAN_POISON_MEMORY_REGION(p, n)
#define unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define poison(p, n)   ((void)(p), (void)(n))
#define unpoison(p, n) ((void)(p), (void)(n))
#endif

#define HUGE_PAGE ((size_t)2 << 20)

struct block {
	size_t cap;	 /* bytes after the header */
	size_t cls;	 /* size class, or POOL_CLASSES: from malloc */
	char data[]; /* what the caller gets; the free-list link while free */
};

/* Whole block sizes, header included: steps of 1.5 or 1.33, so at most a third is slack. */
static const size_t class_size[POOL_CLASSES] = {
	256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192,
};

_Static_assert(sizeof(struct block) == 16, "the header keeps 16-byte alignment");

void *pool_map(size_t len)
{
	size_t size = (len + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	char *raw, *p;
	size_t head;

	/* map a huge page more than asked, then cut to a huge-page boundary */
	raw = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	head = (size_t)(p - raw);
	if (head)
		munmap(raw, head);
	munmap(p + size, HUGE_PAGE - head);
	/* only advice: without transparent huge pages it is plain 4 KiB pages */
	madvise(p, size, MADV_HUGEPAGE);
	return p;
}

void pool_unmap(void *ptr, size_t len)
{
	if (ptr)
		munmap(ptr, (len + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
}

static struct block *carve(struct pool *pool, size_t cls)
{
	size_t size = class_size[cls];
	struct block *b;

	if ((size_t)(pool->end - pool->cur) < size) {
		char *chunk = pool->spare;

		if (chunk) {
			pool->spare = *(void **)chunk;
		} else {
			if (!(chunk = pool_map(POOL_CHUNK)))
				return NULL;
			pool->chunk_bytes += POOL_CHUNK;
		}
		/* the rest of the old chunk (less than 8 KiB) is left unused */
		*(void **)chunk = pool->chunks;
		pool->chunks = chunk;
		pool->cur = chunk + sizeof(struct block);
		pool->end = chunk + POOL_CHUNK;
		poison(pool->cur, (size_t)(pool->end - pool->cur));
	}
	b = (struct block *)(void *)pool->cur;
	pool->cur += size;
	unpoison(b, size);
	b->cap = size - sizeof(*b);
	b->cls = cls;
	return b;
}

void *pool_alloc(struct pool *pool, size_t len)
{
	struct block *b;
	size_t cls = 0;

	while (cls < POOL_CLASSES && class_size[cls] - sizeof(*b) < len)
		cls++;
	if (cls == POOL_CLASSES) {
		if (len > SIZE_MAX - sizeof(*b) || !(b = malloc(sizeof(*b) + len)))
			return NULL;
		b->cap = len;
		b->cls = POOL_CLASSES;
		return b->data;
	}
	if (pool->free[cls]) {
		b = pool->free[cls];
		unpoison(b, class_size[cls]);
		memcpy(&pool->free[cls], b->data, sizeof(void *));
		return b->data;
	}
	b = carve(pool, cls);
	return b ? b->data : NULL;
}

static struct block *block_of(const void *ptr)
{
	return (struct block *)(void *)((char *)(uintptr_t)ptr - sizeof(struct block));
}

void pool_free(struct pool *pool, void *ptr)
{
	struct block *b;

	if (!ptr)
		return;
	b = block_of(ptr);
	if (b->cls == POOL_CLASSES) {
		free(b);
		return;
	}
	memcpy(b->data, &pool->free[b->cls], sizeof(void *));
	pool->free[b->cls] = b;
	poison(b, class_size[b->cls]);
}

size_t pool_capacity(const void *ptr)
{
	return block_of(ptr)->cap;
}

int pool_reserve(struct pool *pool, size_t len)
{
	for (size_t n = 0; n < len; n += POOL_CHUNK) {
		char *chunk = pool_map(POOL_CHUNK);

		if (!chunk)
			return -ENOMEM;
		/* a write a page: with or without a huge page, every page is in */
		for (size_t i = 0; i < POOL_CHUNK; i += 4096)
			chunk[i] = 0;
		*(void **)chunk = pool->spare;
		pool->spare = chunk;
		pool->chunk_bytes += POOL_CHUNK;
	}
	return 0;
}

static void unmap_list(void *chunk)
{
	while (chunk) {
		void *next = *(void **)chunk;

		unpoison(chunk, POOL_CHUNK);
		pool_unmap(chunk, POOL_CHUNK);
		chunk = next;
	}
}

void pool_release(struct pool *pool)
{
	unmap_list(pool->chunks);
	unmap_list(pool->spare);
	memset(pool, 0, sizeof(*pool));
}
