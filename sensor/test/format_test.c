/* Unit tests of the JSON rendering: escaping, invalid UTF-8, container ids,
 * proc.cmdline from an execve record's argument area. */
#include <stdio.h>
#include <string.h>
#include "format.h"

static int failures;

#define EXPECT_STR(got, want) do { \
	if (strcmp((got), (want)) != 0) { \
		fprintf(stderr, "%s:%d: got  %s\n%*s want %s\n", __FILE__, __LINE__, (got), \
			(int)strlen(__FILE__) + 6, "", (want)); \
		failures++; \
	} } while (0)

static const char *json(const char *s)
{
	static char buf[VIGIL_LINE_MAX];
	*vigil_json_string(buf, s, 256) = 0;
	return buf;
}

/* What the BPF side (fill_cgroup in vigil.bpf.c) sends for a cgroup path:
 * its level, and the root-most VIGIL_CG_TOP plus the leaf-most segments, at
 * most VIGIL_CG_DEPTH, in cg_path (cut, with VIGIL_CG_CUT, past its size).
 * Written from vigil.h's description, not from the BPF code. */
static void as_sensor_sends(struct vigil_event *e, const char *path)
{
	const char *seg[256];
	size_t seg_n[256];
	int level = 0;

	for (const char *p = path; *p && level < 256;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		seg[level] = p;
		seg_n[level] = strcspn(p, "/");
		p += seg_n[level++];
	}
	memset(e->cg_path, 0, sizeof(e->cg_path));
	e->cg_level = level;
	e->cg_flags = 0;
	if (level == 0) {
		strcpy(e->cg_path, "/");
		return;
	}
	size_t off = 0;
	for (int l = 1; l <= level; l++) {
		if (l > VIGIL_CG_TOP && l <= level - (VIGIL_CG_DEPTH - VIGIL_CG_TOP))
			continue; /* the gap */
		if (off + 1 + seg_n[l - 1] + 1 > VIGIL_CGPATH_LEN) {
			e->cg_flags |= VIGIL_CG_CUT;
			return;
		}
		e->cg_path[off++] = '/';
		memcpy(e->cg_path + off, seg[l - 1], seg_n[l - 1]);
		off += seg_n[l - 1];
	}
}

/* "1:id", "0:host" or "-1:" for a cgroup path through the record, as the
 * sensor would send it. */
static const char *cid(const char *path)
{
	static char out[32];
	static struct vigil_event e;
	char id[13];
	as_sensor_sends(&e, path);
	int kind = vigil_container_id(&e, vigil_default_namespaces, id);
	snprintf(out, sizeof(out), "%d:%s", kind, kind >= 0 ? id : "");
	return out;
}

/* Every row of docs/cgroup-layouts.tsv (the table the agent's ContainerIdsTest
 * checks too), through the rule alone and through a record as the sensor
 * sends it. */
static void check_layout_table(const char *tsv)
{
	FILE *f = fopen(tsv, "r");
	char line[4096];
	int rows = 0, lineno = 0;

	if (!f) {
		perror(tsv);
		failures++;
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || line[0] == 0)
			continue;
		char *path = line, *tab = strchr(line, '\t');
		if (!tab) {
			fprintf(stderr, "%s:%d: no tab\n", tsv, lineno);
			failures++;
			continue;
		}
		*tab = 0;
		char *want = tab + 1;
		want[strcspn(want, "\t")] = 0;
		char id[13], kinded[32];
		int kind = vigil_container_id_from_path(path, vigil_default_namespaces, id);
		if (strcmp(id, want) != 0 || kind != (strcmp(want, "host") != 0)) {
			fprintf(stderr, "%s:%d: %s: got %d:%s, want %s\n", tsv, lineno, path, kind, id, want);
			failures++;
		}
		snprintf(kinded, sizeof(kinded), "%d:%s", strcmp(want, "host") != 0, want);
		if (strcmp(cid(path), kinded) != 0) {
			fprintf(stderr, "%s:%d: %s: as the sensor sends it: got %s, want %s\n", tsv, lineno,
				path, cid(path), kinded);
			failures++;
		}
		rows++;
	}
	fclose(f);
	if (rows < 40) {
		fprintf(stderr, "%s: only %d rows\n", tsv, rows);
		failures++;
	}
	printf("format_test: %d rows of %s\n", rows, tsv);
}

/* proc.cmdline's JSON value for comm and the raw argument area, or "(none)". */
static const char *cmd(const char *comm, const char *args, size_t len, unsigned state)
{
	static char buf[VIGIL_LINE_MAX];
	char *end = vigil_cmdline(buf, comm, args, len, state);
	if (!end)
		return "(none)";
	*end = 0;
	return buf;
}

/* A string literal with embedded NULs, and its length without the final NUL
 * the compiler adds. */
#define AREA(lit) lit, sizeof(lit) - 1

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: format_test docs/cgroup-layouts.tsv\n");
		return 2;
	}
	check_layout_table(argv[1]);

	EXPECT_STR(json("bash"), "\"bash\"");
	EXPECT_STR(json("a\"b\\c"), "\"a\\\"b\\\\c\"");
	EXPECT_STR(json("t\tn\nx\x1f"), "\"t\\u0009n\\u000ax\\u001f\"");
	EXPECT_STR(json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	EXPECT_STR(json("bad\xff!"), "\"bad\xef\xbf\xbd!\"");
	EXPECT_STR(json("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");          /* overlong '/' */
	EXPECT_STR(json("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
	EXPECT_STR(json("cut\xe2\x82"), "\"cut\xef\xbf\xbd\xef\xbf\xbd\"");     /* truncated */

	/* What the table cannot say: the namespaces are configurable, and what
	 * the record's limits do to the answer. */
	char id[13];
	static const char *const only_web[] = { "web", NULL };
	vigil_container_id_from_path("/web/t1", only_web, id);
	EXPECT_STR(id, "t1");
	vigil_container_id_from_path("/k8s.io/t1", only_web, id);
	EXPECT_STR(id, "host");
	vigil_container_id_from_path("/k8s.io/t1", NULL, id);
	EXPECT_STR(id, "host");
	/* 10 levels, the container's segment at level 3: left out by the sensor,
	 * so unknown rather than "host". */
	EXPECT_STR(cid("/kubepods/burstable/" ID64 "/a/b/c/d/e/f/g"), "-1:");
	EXPECT_STR(cid("/a/b/c/d/e/f/g/h/i"), "-1:");           /* 9 levels, no container */
	EXPECT_STR(cid("/a/b/c/d/e/f/g/h"), "0:host");           /* 8 levels: all of it */
	EXPECT_STR(cid("/docker/" ID64 "/a/b/c/d/e/f/g/h/i/j/k"), "1:0123456789ab");
	/* Too long for cg_path: cut, so unknown. */
	EXPECT_STR(cid("/docker/" ID64 "/" ID64 "x/" ID64 "y/" ID64 "z"), "-1:");
	struct vigil_event odd = { .cg_level = 2 };
	memset(odd.cg_path, 'a', sizeof(odd.cg_path)); /* no NUL at all */
	EXPECT_STR(vigil_container_id(&odd, vigil_default_namespaces, id) == 0 ? id : "?", "host");
	odd.cg_level = -1;
	if (vigil_container_id(&odd, vigil_default_namespaces, id) != -1) {
		fprintf(stderr, "%s:%d: cg_level -1 not unknown\n", __FILE__, __LINE__);
		failures++;
	}
	/* Odd names never crash and never become ids: bytes of every value,
	 * '/' runs, 64-hex lookalikes cut short. */
	char odd_path[1024];
	for (int c = 1; c < 256; c++) {
		memset(odd_path, c, sizeof(odd_path) - 1);
		odd_path[sizeof(odd_path) - 1] = 0;
		int kind = vigil_container_id_from_path(odd_path, vigil_default_namespaces, id);
		if (kind != 0) {
			fprintf(stderr, "%s:%d: 1023 x 0x%02x: got %s\n", __FILE__, __LINE__, c, id);
			failures++;
		}
	}
	vigil_container_id_from_path("///", vigil_default_namespaces, id);
	EXPECT_STR(id, "host");
	vigil_container_id_from_path("", vigil_default_namespaces, id);
	EXPECT_STR(id, "host");
	vigil_container_id_from_path("/k8s.io//t1", vigil_default_namespaces, id);
	EXPECT_STR(id, "t1");
	vigil_container_id_from_path(":cri-containerd:" ID64, vigil_default_namespaces, id);
	EXPECT_STR(id, "host"); /* no slice before it */
	vigil_container_id_from_path("/default/a2345678901234567890123456789012345678901234567890"
				     "12345678901234567890123456", vigil_default_namespaces, id);
	EXPECT_STR(id, "a23456789012"); /* 76 chars: the longest identifier */
	vigil_container_id_from_path("/default/a2345678901234567890123456789012345678901234567890"
				     "123456789012345678901234567", vigil_default_namespaces, id);
	EXPECT_STR(id, "host");         /* 77 */

	/* proc.cmdline: Falco's form, comm + argv[1..], as ProcReader builds it. */
	EXPECT_STR(cmd("sh", AREA("/bin/sh\0-c\0exit 0\0"), VIGIL_ARGS_OK), "\"sh -c exit 0\"");
	EXPECT_STR(cmd("busybox", AREA("sleep\0003\0"), VIGIL_ARGS_OK), "\"busybox 3\""); /* comm, not argv[0] */
	EXPECT_STR(cmd("true", AREA("/bin/true\0"), VIGIL_ARGS_OK), "\"true\"");        /* argv[0] only */
	EXPECT_STR(cmd("true", AREA("/bin/true\0\0\0"), VIGIL_ARGS_OK), "\"true\"");  /* trailing empty args */
	EXPECT_STR(cmd("true", "", 0, VIGIL_ARGS_OK), "\"true\"");                       /* empty area */
	EXPECT_STR(cmd("echo", AREA("echo\0a\0\0b\0"), VIGIL_ARGS_OK), "\"echo a  b\"");  /* empty arg inside */
	EXPECT_STR(cmd("a-very-long-nam", AREA("./a-very-long-name-indeed\0x\0"), VIGIL_ARGS_OK),
		   "\"a-very-long-nam x\"");                                                 /* comm is 15 bytes */
	EXPECT_STR(cmd("prog", AREA("prog\0a\"b\0c\\d\0e\nf\x01\0g\xffh\0"), VIGIL_ARGS_OK),
		   "\"prog a\\\"b c\\\\d e\\u000af\\u0001 g\xef\xbf\xbdh\"");
	EXPECT_STR(cmd("sh", AREA("/bin/sh\0-c\0x\0"), VIGIL_ARGS_FAILED), "(none)");  /* read failed */
	EXPECT_STR(cmd("sh", "", 0, VIGIL_ARGS_FAILED), "(none)");
	EXPECT_STR(cmd("sh", AREA("sh\0x\0"), 7), "(none)");                           /* unknown state */

	/* Truncated at VIGIL_ARGS_LEN: the last, partial argument stays; a
	 * character cut in two is dropped; argv[0] alone gives nothing. */
	char area[VIGIL_ARGS_LEN], want[VIGIL_LINE_MAX];
	memset(area, 'x', sizeof(area));
	memcpy(area, "/bin/cat\0", 9);
	for (int i = 9 + 99; i < VIGIL_ARGS_LEN; i += 100)
		area[i] = 0; /* arguments of 99 x's; the last one is cut to 14 */
	strcpy(want, "\"cat ");
	for (int i = 9; i < VIGIL_ARGS_LEN; i++)
		strcat(want, area[i] ? "x" : " ");
	strcat(want, "\"");
	EXPECT_STR(cmd("cat", area, sizeof(area), VIGIL_ARGS_TRUNCATED), want);
	area[VIGIL_ARGS_LEN - 1] = 0; /* a separator at the cut: more arguments follow */
	want[strlen(want) - 2] = ' ';
	EXPECT_STR(cmd("cat", area, sizeof(area), VIGIL_ARGS_TRUNCATED), want);
	memcpy(area + VIGIL_ARGS_LEN - 2, "\xc3\xa9", 2); /* a whole "é" at the cut: kept */
	want[strlen(want) - 3] = 0;
	strcat(want, "\xc3\xa9\"");
	EXPECT_STR(cmd("cat", area, sizeof(area), VIGIL_ARGS_TRUNCATED), want);
	memcpy(area + VIGIL_ARGS_LEN - 2, "x\xe2", 2); /* "€" cut after 1 of 3 bytes: dropped */
	want[strlen(want) - 3] = 0;
	strcat(want, "x\"");
	EXPECT_STR(cmd("cat", area, sizeof(area), VIGIL_ARGS_TRUNCATED), want);
	memset(area, 'y', sizeof(area)); /* no NUL: argv[0] fills the area */
	EXPECT_STR(cmd("cat", area, sizeof(area), VIGIL_ARGS_TRUNCATED), "(none)");

	struct vigil_event e = { .type = EV_SETNS, .boot_ns = 5, .res = -1, .pid = 42, .ppid = 1,
				 .uid = 0, .cap_effective = 0xa80425fbULL, .cg_level = 2,
				 .pids_limit = -1, .arg = { 3, 0x40000000 } };
	strcpy(e.comm, "nsenter");
	strcpy(e.cg_path, "/docker/" ID64);
	char line[VIGIL_LINE_MAX];
	line[vigil_format_event(line, &e, sizeof(e), 1000, vigil_default_namespaces)] = 0;
	EXPECT_STR(line, "{\"evt.type\":\"setns\",\"evt.rawtime\":1005,\"evt.res\":-1,\"proc.pid\":42,"
		"\"proc.ppid\":1,\"proc.name\":\"nsenter\",\"user.uid\":0,"
		"\"thread.cap_effective\":\"0x00000000a80425fb\",\"container.id\":\"0123456789ab\","
		"\"container.pids_limit\":-1,\"evt.arg.fd\":3,\"evt.arg.nstype\":1073741824,"
		"\"evt.arg.flags\":1073741824}\n");

	/* A named containerd container: its name is the id, with its pids limit. */
	strcpy(e.cg_path, "/k8s.io/vigil-t1/child");
	e.cg_level = 3;
	e.pids_limit = 30;
	line[vigil_format_event(line, &e, sizeof(e), 1000, vigil_default_namespaces)] = 0;
	EXPECT_STR(strstr(line, "\"container.id\"") ? strstr(line, "\"container.id\"") : line,
		   "\"container.id\":\"vigil-t1\",\"container.pids_limit\":30,\"evt.arg.fd\":3,"
		   "\"evt.arg.nstype\":1073741824,\"evt.arg.flags\":1073741824}\n");
	/* Not a container, and a path the sensor could not read whole. */
	strcpy(e.cg_path, "/user.slice/user-0.slice/session-3.scope");
	line[vigil_format_event(line, &e, sizeof(e), 1000, vigil_default_namespaces)] = 0;
	EXPECT_STR(strstr(line, "\"container.id\"") ? strstr(line, "\"container.id\"") : line,
		   "\"container.id\":\"host\",\"evt.arg.fd\":3,"
		   "\"evt.arg.nstype\":1073741824,\"evt.arg.flags\":1073741824}\n");
	strcpy(e.cg_path, "/docker/" ID64);
	e.cg_flags = VIGIL_CG_CUT;
	line[vigil_format_event(line, &e, sizeof(e), 1000, vigil_default_namespaces)] = 0;
	EXPECT_STR(strstr(line, "container.") ? strstr(line, "container.") : "(none)", "(none)");
	e.cg_flags = 0;

	/* The execve record: proc.cmdline after proc.exepath, only when the
	 * arguments were read and the record is big enough to hold them. */
	struct vigil_exec_event x = { .ev = { .type = EV_EXECVE, .boot_ns = 5, .pid = 42, .ppid = 1,
					      .cg_level = 0 } };
	strcpy(x.ev.comm, "sh");
	strcpy(x.ev.path, "/bin/sh");
	memcpy(x.args, "sh\0-c\0echo \"hi\"\0", 16);
	x.args_len = 16;
	x.args_state = VIGIL_ARGS_OK;
	line[vigil_format_event(line, &x.ev, sizeof(x), 1000, vigil_default_namespaces)] = 0;
	EXPECT_STR(line, "{\"evt.type\":\"execve\",\"evt.rawtime\":1005,\"evt.res\":0,\"proc.pid\":42,"
		"\"proc.ppid\":1,\"proc.name\":\"sh\",\"proc.exepath\":\"/bin/sh\","
		"\"proc.cmdline\":\"sh -c echo \\\"hi\\\"\",\"user.uid\":0,"
		"\"thread.cap_effective\":\"0x0000000000000000\",\"container.id\":\"host\"}\n");
	x.args_state = VIGIL_ARGS_FAILED;
	line[vigil_format_event(line, &x.ev, sizeof(x), 1000, vigil_default_namespaces)] = 0;
	EXPECT_STR(line, "{\"evt.type\":\"execve\",\"evt.rawtime\":1005,\"evt.res\":0,\"proc.pid\":42,"
		"\"proc.ppid\":1,\"proc.name\":\"sh\",\"proc.exepath\":\"/bin/sh\",\"user.uid\":0,"
		"\"thread.cap_effective\":\"0x0000000000000000\",\"container.id\":\"host\"}\n");
	x.args_state = VIGIL_ARGS_OK;
	line[vigil_format_event(line, &x.ev, sizeof(x.ev), 1000, vigil_default_namespaces)] = 0; /* short record */
	EXPECT_STR(line, "{\"evt.type\":\"execve\",\"evt.rawtime\":1005,\"evt.res\":0,\"proc.pid\":42,"
		"\"proc.ppid\":1,\"proc.name\":\"sh\",\"proc.exepath\":\"/bin/sh\",\"user.uid\":0,"
		"\"thread.cap_effective\":\"0x0000000000000000\",\"container.id\":\"host\"}\n");

	/* Worst case: every string byte escaped to \u00XX fits VIGIL_LINE_MAX. */
	memset(x.ev.comm, 1, sizeof(x.ev.comm) - 1);
	memset(x.ev.path, 1, sizeof(x.ev.path) - 1);
	memset(x.args, 1, sizeof(x.args));
	x.args[0] = 0;
	x.args_len = sizeof(x.args);
	x.args_state = VIGIL_ARGS_TRUNCATED;
	memset(x.ev.cg_path, 'a', sizeof(x.ev.cg_path)); /* no NUL: a 256-char name */
	x.ev.cg_level = 2;
	x.ev.res = -9223372036854775807LL - 1;
	x.ev.boot_ns = 1ULL << 62;
	static char big[2 * VIGIL_LINE_MAX];
	size_t n = vigil_format_event(big, &x.ev, sizeof(x), 1000, vigil_default_namespaces);
	if (n > VIGIL_LINE_MAX) {
		fprintf(stderr, "%s:%d: worst-case line is %zu bytes, VIGIL_LINE_MAX %d\n", __FILE__,
			__LINE__, n, VIGIL_LINE_MAX);
		failures++;
	}

	line[vigil_format_lost(line, 7, 3, "agent_away_buffer_full", 1795000000000000001LL,
			       1795000000000000009LL)] = 0;
	EXPECT_STR(line, "{\"evt.type\":\"vigil_sensor_lost\",\"evt.rawtime\":7,\"evt.arg.lost\":3,"
		"\"evt.arg.reason\":\"agent_away_buffer_full\",\"evt.arg.first_time\":1795000000000000001,"
		"\"evt.arg.last_time\":1795000000000000009}\n");

	/* A throttle episode: the start line from the kernel's record (the task
	 * whose event was refused, so its container), the stop line with the
	 * counts per budget. */
	struct vigil_event t = { .boot_ns = 5, .type = EV_THROTTLE, .pid = 42, .ppid = 1, .uid = 0,
				 .cg_level = 2, .pids_limit = -1, .comm = "storm" };
	t.arg[0] = VIGIL_BUDGET_SECURITY;
	t.arg[1] = 12345;
	strcpy(t.cg_path, "/docker/" ID64);
	line[vigil_format_throttle_start(line, &t, 10, vigil_default_namespaces, 5000, 200)] = 0;
	EXPECT_STR(line, "{\"evt.type\":\"vigil_sensor_throttle\",\"evt.rawtime\":15,\"evt.res\":0,"
		"\"proc.pid\":42,\"proc.ppid\":1,\"proc.name\":\"storm\",\"user.uid\":0,"
		"\"thread.cap_effective\":\"0x0000000000000000\",\"container.id\":\"0123456789ab\","
		"\"container.pids_limit\":-1,\"evt.arg.state\":\"start\",\"evt.arg.reason\":\"security_budget\","
		"\"evt.arg.rate\":5000,\"evt.arg.burst\":200}\n");
	t.arg[0] = VIGIL_BUDGET_PROCESS;
	line[vigil_format_throttle_start(line, &t, 10, vigil_default_namespaces, 5000, 200)] = 0;
	if (!strstr(line, "\"evt.arg.reason\":\"process_budget\""))
		EXPECT_STR(line, "... \"evt.arg.reason\":\"process_budget\" ...");
	const unsigned long long throttled[VIGIL_BUDGETS] = { 7, 170000 };
	line[vigil_format_throttle_stop(line, 9, "0123456789ab", throttled, 1, 2)] = 0;
	EXPECT_STR(line, "{\"evt.type\":\"vigil_sensor_throttle\",\"evt.rawtime\":9,\"container.id\":\"0123456789ab\","
		"\"evt.arg.state\":\"stop\",\"evt.arg.throttled\":170007,\"evt.arg.throttled_process\":7,"
		"\"evt.arg.throttled_security\":170000,\"evt.arg.first_time\":1,\"evt.arg.last_time\":2}\n");
	line[vigil_format_throttle_stop(line, 9, NULL, throttled, 1, 2)] = 0;
	if (strstr(line, "container.id"))
		EXPECT_STR(line, "no container.id when it is unknown");

	if (failures) {
		fprintf(stderr, "format_test: %d failures\n", failures);
		return 1;
	}
	printf("format_test: ok\n");
	return 0;
}
