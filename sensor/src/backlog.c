/* The sensor's backlog: see backlog.h. */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>
#include "backlog.h"

int vigil_backlog_init(struct vigil_backlog *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->first_dropped_ns = b->last_dropped_ns = -1;
	if (cap) {
		/* Pages are touched only as lines come: an idle backlog costs no memory. */
		b->buf = malloc(cap);
		if (!b->buf)
			return -1;
	}
	b->cap = cap;
	return 0;
}

void vigil_backlog_free(struct vigil_backlog *b)
{
	free(b->buf);
	b->buf = NULL;
	b->cap = b->used = b->head = b->inflight = 0;
}

static void drop(struct vigil_backlog *b, long long time_ns)
{
	b->sealed = 1;
	if (b->dropped++ == 0 || time_ns < b->first_dropped_ns)
		b->first_dropped_ns = time_ns;
	if (time_ns > b->last_dropped_ns)
		b->last_dropped_ns = time_ns;
}

int vigil_backlog_push(struct vigil_backlog *b, const char *line, size_t len, long long time_ns)
{
	if (b->sealed || len > b->cap - b->used) {
		drop(b, time_ns);
		return 0;
	}
	size_t tail = (b->head + b->used) % b->cap;
	size_t first = len < b->cap - tail ? len : b->cap - tail;
	memcpy(b->buf + tail, line, first);
	memcpy(b->buf, line + first, len - first);
	b->used += len;
	b->lines++;
	return 1;
}

long long vigil_line_rawtime(const char *line, size_t len)
{
	static const char key[] = "\"evt.rawtime\":";
	const char *end = line + len;
	const char *p = memmem(line, len, key, sizeof(key) - 1);
	if (!p)
		return -1;
	p += sizeof(key) - 1;
	long long v = 0;
	int digits = 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++)
		v = v * 10 + (*p - '0');
	return digits ? v : -1;
}

void vigil_backlog_push_lines(struct vigil_backlog *b, const char *buf, size_t len)
{
	const char *end = buf + len;
	while (buf < end) {
		const char *nl = memchr(buf, '\n', end - buf);
		size_t n = nl ? (size_t)(nl - buf) + 1 : (size_t)(end - buf);
		vigil_backlog_push(b, buf, n, vigil_line_rawtime(buf, n));
		buf += n;
	}
}

size_t vigil_backlog_peek(const struct vigil_backlog *b, const char **p)
{
	size_t unsent = b->used - b->inflight;
	if (unsent == 0) {
		*p = NULL;
		return 0;
	}
	size_t start = (b->head + b->inflight) % b->cap;
	*p = b->buf + start;
	return unsent < b->cap - start ? unsent : b->cap - start;
}

unsigned long long vigil_backlog_sent(struct vigil_backlog *b, size_t n)
{
	/* The sent bytes are contiguous (one peek): [start, start + n). */
	size_t start = (b->head + b->inflight) % b->cap;
	const char *p = b->buf + start, *end = p + n, *after_last = NULL;
	unsigned long long lines = 0;
	while ((p = memchr(p, '\n', end - p))) {
		after_last = ++p;
		lines++;
	}
	if (!after_last) {
		b->inflight += n;
		return 0;
	}
	size_t whole = b->inflight + (size_t)(after_last - (b->buf + start));
	b->head = (b->head + whole) % b->cap;
	b->used -= whole;
	b->inflight = b->inflight + n - whole;
	b->lines -= lines;
	if (b->used == 0)
		b->head = 0; /* the next lines lie in one piece */
	return lines;
}

void vigil_backlog_rewind(struct vigil_backlog *b)
{
	b->inflight = 0;
}

unsigned long long vigil_backlog_take_gap(struct vigil_backlog *b, long long *first_ns,
					   long long *last_ns)
{
	if (b->used || !b->dropped)
		return 0;
	unsigned long long n = b->dropped;
	*first_ns = b->first_dropped_ns;
	*last_ns = b->last_dropped_ns;
	b->dropped = 0;
	b->sealed = 0;
	b->first_dropped_ns = b->last_dropped_ns = -1;
	return n;
}
