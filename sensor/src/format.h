/* Rendering of struct vigil_event as one line of the wire contract (DESIGN.md):
 * a flat JSON object with Falco field names, '\n' terminated. */
#ifndef VIGIL_FORMAT_H
#define VIGIL_FORMAT_H
#include <stddef.h>
#include "vigil.h"

/* Upper bound of one rendered line: every string byte (comm twice, the path,
 * the arguments) may become \u00XX, plus the keys and numbers. */
#define VIGIL_LINE_MAX (6 * (2 * VIGIL_COMM_LEN + 1 + VIGIL_PATH_LEN + VIGIL_ARGS_LEN) + 1024)

/* containerd's namespaces by default (DESIGN.md; --containerd-namespaces):
 * a NULL-terminated list. */
extern const char *const vigil_default_namespaces[];

/* Writes the line for the record e of size bytes (e->type < EV_TYPE_COUNT,
 * size >= sizeof(struct vigil_event)) at out (at least VIGIL_LINE_MAX bytes);
 * returns its length. An execve record carries proc.cmdline only when size
 * covers a struct vigil_exec_event. epoch_offset_ns turns the event's
 * boot-clock time into epoch ns. namespaces: containerd's namespaces
 * (NULL-terminated), for the /<namespace>/<id> cgroup layout. */
size_t vigil_format_event(char *out, const struct vigil_event *e, size_t size,
			  long long epoch_offset_ns, const char *const *namespaces);

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

/* The loss report line: {"evt.type":"vigil_sensor_lost",...}: lost events,
 * the reason, and first_ns/last_ns (epoch ns) bounding when they happened. */
size_t vigil_format_lost(char *out, long long rawtime, unsigned long long lost, const char *reason,
			 long long first_ns, long long last_ns);

/* evt.arg.reason of a throttle line, by enum vigil_budget: "process_budget",
 * "security_budget". */
extern const char *const vigil_budget_reason[VIGIL_BUDGETS];

/* The line that starts a throttle episode, from the kernel's EV_THROTTLE
 * record e: {"evt.type":"vigil_sensor_throttle",...,"evt.arg.state":"start",
 * "evt.arg.reason":"process_budget"|"security_budget","evt.arg.rate":R,
 * "evt.arg.burst":B}, with the common fields of the task whose event was
 * refused first (so container.id names the cgroup's container). */
size_t vigil_format_throttle_start(char *out, const struct vigil_event *e, long long epoch_offset_ns,
				   const char *const *namespaces, unsigned long long rate,
				   unsigned long long burst);

/* The line that ends one: the container (container_id NULL: unknown, the key
 * is left out), the events refused in the episode per budget and in all
 * (evt.arg.throttled_process, _security, evt.arg.throttled), and the first
 * and last refusal (epoch ns). */
size_t vigil_format_throttle_stop(char *out, long long rawtime, const char *container_id,
				  const unsigned long long throttled[VIGIL_BUDGETS], long long first_ns,
				  long long last_ns);

/* The container id rule, shared with the agent's ContainerIds and checked
 * by both against docs/cgroup-layouts.tsv (whose header states the rule):
 * scanning the path's segments from the leaf up, the first segment that is
 * 64 hex digits, <prefix>-<64 hex>[.scope] (prefix docker, cri-containerd,
 * crio, libpod; so never a conmon scope), or ...:cri-containerd:<64 hex>,
 * names the container. Else, when the first segment is one of namespaces
 * (NULL-terminated) and a second one follows that is a containerd
 * identifier, that second segment is the id. path is a cgroup path (as in
 * /proc/PID/cgroup after the second ':'), NUL-terminated; any bytes. Writes
 * the short id (the id's first 12 chars, lower-cased when they are all hex;
 * a shorter name whole) plus NUL into id and returns 1, or writes "host" and
 * returns 0. */
int vigil_container_id_from_path(const char *path, const char *const *namespaces, char id[13]);

/* The container id of a record's pids cgroup (cg_level, cg_flags, cg_path):
 * 1 and the short id for a container, 0 and "host" for none, -1 when
 * unknown (no cgroup, a cut path, or no container found in a path with
 * levels left out): the agent then enriches from /proc. */
int vigil_container_id(const struct vigil_event *e, const char *const *namespaces, char id[13]);

/* Appends s (at most maxlen bytes, stops at NUL) as a JSON string literal with
 * quotes: escapes '"', '\\' and control characters, and replaces each byte of
 * invalid UTF-8 with U+FFFD. Returns the end of the output. */
char *vigil_json_string(char *out, const char *s, size_t maxlen);

#endif
