/* Rendering of struct vigil_event as one line of the wire contract (DESIGN.md):
 * a flat JSON object with Falco field names, '\n' terminated. */
#ifndef VIGIL_FORMAT_H
#define VIGIL_FORMAT_H
#include <stddef.h>
#include "vigil.h"

/* Upper bound of one rendered line: every string byte (comm twice, the path,
 * the arguments) may become \u00XX, plus the keys and numbers. */
#define VIGIL_LINE_MAX (6 * (2 * VIGIL_COMM_LEN + 1 + VIGIL_PATH_LEN + VIGIL_ARGS_LEN) + 1024)

/* Writes the line for the record e of size bytes (e->type < EV_TYPE_COUNT,
 * size >= sizeof(struct vigil_event)) at out (at least VIGIL_LINE_MAX bytes);
 * returns its length. An execve record carries proc.cmdline only when size
 * covers a struct vigil_exec_event. epoch_offset_ns turns the event's
 * boot-clock time into epoch ns. */
size_t vigil_format_event(char *out, const struct vigil_event *e, size_t size,
			  long long epoch_offset_ns);

/* Appends proc.cmdline's value in Falco's form, as the agent's ProcReader
 * builds it from /proc/PID/cmdline: comm, then argv[1..] each after one space
 * (argv[0] dropped; trailing empty arguments dropped; no arguments: comm
 * alone), as a JSON string literal (vigil_json_string's escaping). args/len
 * is the raw argument area (NUL-separated); state is enum vigil_args_state.
 * A truncated area keeps its last, partial argument, cut back to a character
 * boundary. Returns the end of the output, or NULL, writing nothing, when
 * the command line is unknown: the read failed, or argv[0] alone fills a
 * truncated area so that argv[1..] are not known. */
char *vigil_cmdline(char *out, const char *comm, const char *args, size_t len, unsigned state);

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
