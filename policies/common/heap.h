/* SPDX-License-Identifier: MIT */
/*
 * A binary min-heap of decisions in one array allocated at create time: push and pop are
 * O(log n) and never allocate, so a policy can hold a whole pass of tasks on the hot path.
 * Shared by the policies in this tree; header-only and not installed.
 */
#ifndef SCXD_COMMON_HEAP_H
#define SCXD_COMMON_HEAP_H

#include <stdint.h>
#include <stdlib.h>

#include <scxd/policy.h>

struct scxd_heap_item {
	uint64_t key;
	uint64_t seq; /* push order: equal keys come out first in, first out */
	struct scxd_decision d;
};

struct scxd_heap {
	struct scxd_heap_item *items;
	uint32_t len;
	uint32_t cap;
	uint64_t next_seq;
};

static inline int scxd_heap_init(struct scxd_heap *h, uint32_t cap)
{
	h->items = calloc(cap, sizeof(*h->items));
	h->len = 0;
	h->cap = h->items ? cap : 0;
	h->next_seq = 0;
	return h->items ? 0 : -1;
}

static inline void scxd_heap_fini(struct scxd_heap *h)
{
	free(h->items);
	h->items = NULL;
	h->cap = h->len = 0;
}

/*
 * Keys are compared as the kernel compares DSQ vtimes (signed difference), so the order we
 * hand out is the order the kernel keeps, even across a wrap of the 64-bit clock.
 */
static inline int scxd_heap_before(const struct scxd_heap_item *a, const struct scxd_heap_item *b)
{
	if (a->key != b->key)
		return (int64_t)(a->key - b->key) < 0;
	return (int64_t)(a->seq - b->seq) < 0;
}

/* 0 on success, -1 when full (the caller refuses the task; nothing changed). */
static inline int scxd_heap_push(struct scxd_heap *h, uint64_t key, const struct scxd_decision *d)
{
	struct scxd_heap_item item;
	uint32_t i;

	if (h->len == h->cap)
		return -1;
	item.key = key;
	item.seq = h->next_seq++;
	item.d = *d;
	/* Sift the hole up instead of swapping: one copy per level. */
	for (i = h->len++; i > 0;) {
		uint32_t parent = (i - 1) / 2;

		if (!scxd_heap_before(&item, &h->items[parent]))
			break;
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i] = item;
	return 0;
}

/* 1 and the smallest item in *out, or 0 when empty. */
static inline int scxd_heap_pop(struct scxd_heap *h, struct scxd_heap_item *out)
{
	struct scxd_heap_item last;
	uint32_t i = 0;

	if (h->len == 0)
		return 0;
	*out = h->items[0];
	last = h->items[--h->len];
	for (;;) {
		uint32_t child = 2 * i + 1;

		if (child >= h->len)
			break;
		if (child + 1 < h->len && scxd_heap_before(&h->items[child + 1], &h->items[child]))
			child++;
		if (!scxd_heap_before(&h->items[child], &last))
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	if (h->len > 0)
		h->items[i] = last;
	return 1;
}

#endif /* SCXD_COMMON_HEAP_H */
