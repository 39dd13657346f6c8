/* Rendering of struct vigil_event as one line of the wire contract (DESIGN.md):
 * a flat JSON object with Falco field names, '\n' terminated. */
#ifndef VIGIL_FORMAT_H
#define VIGIL_FORMAT_H
#include <stddef.h>
#include "vigil.h"

/* Upper bound of one rendered line: every string byte may become \u00XX. */
#define VIGIL_LINE_MAX 4096

/* Writes the line for e (e->type < EV_TYPE_COUNT) at out (at least
 * VIGIL_LINE_MAX bytes); returns its length. epoch_offset_ns turns the
 * event's boot-clock time into epoch ns. */
size_t vigil_format_event(char *out, const struct vigil_event *e, long long epoch_offset_ns);

/* The loss report line: {"evt.type":"vigil_sensor_lost",...}. */
size_t vigil_format_lost(char *out, long long rawtime, unsigned long long lost, const char *reason);

/* The container id for a pids cgroup: 12 hex chars (plus NUL) into id and 1
 * for a container, "host" and 0 for the root cgroup, -1 when unknown (the
 * agent enriches from /proc). */
int vigil_container_id(const struct vigil_event *e, char id[13]);

/* Appends s (at most maxlen bytes, stops at NUL) as a JSON string literal with
 * quotes: escapes '"', '\\' and control characters, and replaces each byte of
 * invalid UTF-8 with U+FFFD. Returns the end of the output. */
char *vigil_json_string(char *out, const char *s, size_t maxlen);

#endif
