/* Unit tests of the sensor's backlog (src/backlog.c): lines kept in order
 * across the ring's wrap, the newest dropped past the bound and reported as
 * one gap with its first and last event time, whole lines only leaving the
 * buffer, a partly sent line sent again whole after a lost connection. */
#include <stdio.h>
#include <string.h>
#include "backlog.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

/* A line as the sensor renders it: {"evt.type":"x","evt.rawtime":T,"n":N}. */
static size_t line(char *out, long long t, int n)
{
	return (size_t)sprintf(out, "{\"evt.type\":\"x\",\"evt.rawtime\":%lld,\"n\":%d}\n", t, n);
}

/* Sends everything, chunk bytes per write at most, into out; returns its length. */
static size_t drain(struct vigil_backlog *b, char *out, size_t chunk)
{
	size_t total = 0, len;
	const char *p;
	while ((len = vigil_backlog_peek(b, &p))) {
		if (len > chunk)
			len = chunk;
		memcpy(out + total, p, len);
		total += len;
		vigil_backlog_sent(b, len);
	}
	return total;
}

int main(void)
{
	struct vigil_backlog b;
	char l[128], want[8192], got[8192];
	size_t want_len = 0;
	long long first, last;

	/* In order, across many wraps of a 100-byte ring, sent 7 bytes at a time. */
	CHECK(vigil_backlog_init(&b, 100) == 0);
	for (int round = 0; round < 50; round++) {
		want_len = 0;
		for (int i = 0; i < 2; i++) {
			size_t n = line(l, 1000 + round, i);
			memcpy(want + want_len, l, n);
			want_len += n;
			CHECK(vigil_backlog_push(&b, l, n, 1000 + round) == 1);
		}
		CHECK(b.lines == 2);
		size_t got_len = drain(&b, got, 7);
		CHECK(got_len == want_len && memcmp(got, want, want_len) == 0);
		CHECK(b.used == 0 && b.lines == 0);
	}
	CHECK(vigil_backlog_take_gap(&b, &first, &last) == 0);

	/* Past the bound the newest are dropped; then all later lines too, even
	 * ones that would fit, until the buffer was emptied and the gap taken. */
	size_t n = line(l, 5, 0); /* 43 bytes: two fit in 100 */
	CHECK(vigil_backlog_push(&b, l, n, 5) == 1);
	CHECK(vigil_backlog_push(&b, l, n, 6) == 1);
	CHECK(vigil_backlog_push(&b, l, n, 7) == 0);
	CHECK(vigil_backlog_push(&b, l, 10, 9) == 0);   /* would fit, but after a loss */
	CHECK(vigil_backlog_push(&b, l, n, 8) == 0);
	CHECK(b.dropped == 3);
	CHECK(vigil_backlog_take_gap(&b, &first, &last) == 0); /* not before what was kept is sent */
	drain(&b, got, 1000);
	CHECK(vigil_backlog_push(&b, l, n, 10) == 0);          /* still the same gap */
	CHECK(vigil_backlog_take_gap(&b, &first, &last) == 4);
	CHECK(first == 7 && last == 10);
	CHECK(vigil_backlog_take_gap(&b, &first, &last) == 0);
	CHECK(vigil_backlog_push(&b, l, n, 11) == 1);          /* a new gap keeps again */
	drain(&b, got, 1000);

	/* Only whole lines leave: a line sent in part stays, and after a lost
	 * connection (rewind) it goes again whole. */
	size_t n0 = line(l, 20, 0);
	vigil_backlog_push(&b, l, n0, 20);
	size_t n1 = line(l, 21, 1);
	vigil_backlog_push(&b, l, n1, 21);
	const char *p;
	size_t len = vigil_backlog_peek(&b, &p);
	CHECK(len == n0 + n1);
	CHECK(vigil_backlog_sent(&b, n0 + 5) == 1);   /* the first whole, 5 bytes of the second */
	CHECK(b.lines == 1 && b.used == n1 && b.inflight == 5);
	vigil_backlog_rewind(&b);
	len = vigil_backlog_peek(&b, &p);
	CHECK(len == n1 && memcmp(p, l, n1) == 0);    /* the second again, from its start */
	CHECK(vigil_backlog_sent(&b, len) == 1 && b.used == 0);
	vigil_backlog_free(&b);

	/* 0 bytes: nothing kept, everything counted. */
	CHECK(vigil_backlog_init(&b, 0) == 0);
	CHECK(vigil_backlog_push(&b, l, n, 30) == 0);
	CHECK(vigil_backlog_push(&b, l, n, 31) == 0);
	CHECK(vigil_backlog_peek(&b, &p) == 0);
	CHECK(vigil_backlog_take_gap(&b, &first, &last) == 2 && first == 30 && last == 31);
	vigil_backlog_free(&b);

	/* Lines of the output buffer moved in at a lost connection: each dropped
	 * one counted with the evt.rawtime it carries. */
	CHECK(vigil_backlog_init(&b, 50) == 0);
	want_len = 0;
	for (int i = 0; i < 3; i++)
		want_len += line(want + want_len, 40 + i, i);
	vigil_backlog_push_lines(&b, want, want_len);
	CHECK(b.lines == 1 && b.dropped == 2);
	drain(&b, got, 1000);
	CHECK(vigil_backlog_take_gap(&b, &first, &last) == 2 && first == 41 && last == 42);
	CHECK(vigil_line_rawtime("{\"evt.rawtime\":123}\n", 20) == 123);
	CHECK(vigil_line_rawtime("{\"x\":1}\n", 8) == -1);
	vigil_backlog_free(&b);

	if (failures) {
		fprintf(stderr, "backlog_test: %d failures\n", failures);
		return 1;
	}
	printf("backlog_test: ok\n");
	return 0;
}
