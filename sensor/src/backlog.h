/* The lines the sensor keeps while the agent is away (or while what it kept
 * is still being replayed), to send them in order when the agent is back.
 *
 * A byte ring of a fixed capacity holding whole lines, each '\n'-terminated.
 * Past the capacity the newest line is dropped, never an older one: an
 * attacker who floods the node after the first step of an attack cannot push
 * that step out of the buffer. Once a line was dropped, every later one is
 * dropped too until the buffer is empty again and the loss was taken
 * (vigil_backlog_take_gap): the lost lines are then one run in time, between
 * the kept ones and the next delivered ones, and the report's first/last
 * times bound exactly them.
 *
 * Only whole lines leave the buffer: a send cut in the middle of a line keeps
 * that line, and vigil_backlog_rewind (the connection was lost) makes it go
 * again whole, to the next connection. Not thread-safe. */
#ifndef VIGIL_BACKLOG_H
#define VIGIL_BACKLOG_H
#include <stddef.h>

struct vigil_backlog {
	char *buf;
	size_t cap;
	size_t head;       /* offset of the oldest kept byte */
	size_t used;       /* bytes kept, from head, wrapping */
	size_t inflight;   /* bytes from head already sent, of a line not yet whole */
	int sealed;        /* a line was dropped: drop until emptied and taken */
	unsigned long long lines;          /* lines kept */
	unsigned long long dropped;        /* lines dropped, not yet taken */
	long long first_dropped_ns, last_dropped_ns;
};

/* cap may be 0: nothing is kept. Returns 0, or -1 when memory is short. */
int vigil_backlog_init(struct vigil_backlog *b, size_t cap);
void vigil_backlog_free(struct vigil_backlog *b);

/* Keeps line (len bytes, ending with '\n'), or drops it, counting it with
 * time_ns (its event time) into the gap. Returns 1 kept, 0 dropped. */
int vigil_backlog_push(struct vigil_backlog *b, const char *line, size_t len, long long time_ns);

/* Keeps each line of buf (len bytes of whole lines), each counted with the
 * evt.rawtime it carries when dropped. */
void vigil_backlog_push_lines(struct vigil_backlog *b, const char *buf, size_t len);

/* The next unsent bytes that lie contiguous in memory: *p and the count
 * (0 when nothing is left to send). */
size_t vigil_backlog_peek(const struct vigil_backlog *b, const char **p);

/* n bytes of the last peek were written: the whole lines among what was
 * sent leave the buffer. Returns how many lines left. */
unsigned long long vigil_backlog_sent(struct vigil_backlog *b, size_t n);

/* The connection was lost: a line sent in part is sent again whole. */
void vigil_backlog_rewind(struct vigil_backlog *b);

/* When the buffer is empty and lines were dropped: returns their count and
 * times and starts a new gap (new lines are kept again). Else returns 0. */
unsigned long long vigil_backlog_take_gap(struct vigil_backlog *b, long long *first_ns,
					   long long *last_ns);

/* The value of "evt.rawtime" in a rendered line (len bytes), or -1. */
long long vigil_line_rawtime(const char *line, size_t len);

#endif
