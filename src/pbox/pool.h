/* SPDX-License-Identifier: MIT */
/*
 * A worker's memory for transactions: the proxy transactions themselves and
 * the copies of messages they keep. Each worker has its own pool, so nothing
 * here locks.
 *
 * Why not malloc: a transaction lives 32 s after it ends over UDP (timers J
 * and L), so under load the live set grows for half a minute and, when the
 * load falls, shrinks. glibc grows a thread's arena a page at a time (one
 * mprotect and one page fault per 4 KiB: 5% of the daemon's CPU at 2,000
 * calls/s) and gives pages back when it shrinks, only to fault them in again.
 * The pool takes memory in 2 MiB chunks the kernel may back with one huge
 * page, hands out blocks of a few sizes, and keeps freed blocks for reuse:
 * it never returns memory to the system while the worker runs, so the
 * daemon's RSS stays at its peak (which max_transactions bounds).
 */
#ifndef NUTSS_PBOX_POOL_H
#define NUTSS_PBOX_POOL_H

#include <stddef.h>

#define POOL_CHUNK   (2u << 20) /* bytes taken from the system at a time */
#define POOL_CLASSES 11	       /* block sizes, 256 B to 8 KiB; beyond: malloc */

struct pool {
	void *free[POOL_CLASSES]; /* freed blocks of each size, newest first */
	char *cur, *end;	  /* the part of the newest chunk not handed out */
	void *chunks;		  /* every chunk carved from, linked through its first bytes */
	void *spare;		  /* chunks reserved ahead (pool_reserve), not yet carved */
	size_t chunk_bytes;	  /* held in chunks */
};

/* At least len bytes, aligned for any type, contents undefined; NULL: no memory. */
void *pool_alloc(struct pool *pool, size_t len);
/* Give back a block of this pool (NULL does nothing). */
void pool_free(struct pool *pool, void *ptr);
/* How many bytes the block can hold: a copy up to this size fits in place. */
size_t pool_capacity(const void *ptr);
/*
 * Map and touch len bytes (rounded up to chunks) ahead of need, so that
 * the kernel zeroes them now rather than on the call path; the pool grows
 * past them as before. -ENOMEM if the system has not got them.
 */
int pool_reserve(struct pool *pool, size_t len);
/* Return every chunk to the system; all blocks become invalid. */
void pool_release(struct pool *pool);

/*
 * len bytes of zeroed memory in 2 MiB-aligned huge-page-advised mappings,
 * for large tables touched at random (fewer TLB misses); NULL: no memory.
 */
void *pool_map(size_t len);
void pool_unmap(void *ptr, size_t len);

#endif
