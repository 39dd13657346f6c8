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

static const char *cid(int level, const char *name, const char *parent)
{
	static char out[32];
	struct vigil_event e = { .cg_level = level };
	char id[13];
	strcpy(e.cg_name, name);
	strcpy(e.cg_parent, parent);
	int kind = vigil_container_id(&e, id);
	snprintf(out, sizeof(out), "%d:%s", kind, kind >= 0 ? id : "");
	return out;
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

int main(void)
{
	EXPECT_STR(json("bash"), "\"bash\"");
	EXPECT_STR(json("a\"b\\c"), "\"a\\\"b\\\\c\"");
	EXPECT_STR(json("t\tn\nx\x1f"), "\"t\\u0009n\\u000ax\\u001f\"");
	EXPECT_STR(json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	EXPECT_STR(json("bad\xff!"), "\"bad\xef\xbf\xbd!\"");
	EXPECT_STR(json("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");          /* overlong '/' */
	EXPECT_STR(json("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
	EXPECT_STR(json("cut\xe2\x82"), "\"cut\xef\xbf\xbd\xef\xbf\xbd\"");     /* truncated */

	EXPECT_STR(cid(0, "/", ""), "0:host");
	EXPECT_STR(cid(2, ID64, "docker"), "1:0123456789ab");
	EXPECT_STR(cid(4, ID64, "podd0c3a1b2-1111"), "1:0123456789ab");
	EXPECT_STR(cid(3, "cri-containerd-" ID64 ".scope", "kubepods-besteff"), "1:0123456789ab");
	EXPECT_STR(cid(2, "docker-" ID64 ".scope", "system.slice"), "1:0123456789ab");
	EXPECT_STR(cid(2, "crio-" ID64 ".scope", "x"), "1:0123456789ab");
	EXPECT_STR(cid(2, "libpod-" ID64 ".scope", "x"), "1:0123456789ab");
	EXPECT_STR(cid(2, "crio-conmon-" ID64 ".scope", "x"), "-1:");
	EXPECT_STR(cid(1, "user.slice", "/"), "-1:");
	EXPECT_STR(cid(2, ID64, "other"), "-1:");
	EXPECT_STR(cid(-1, "", ""), "-1:");

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
	strcpy(e.cg_name, ID64);
	strcpy(e.cg_parent, "docker");
	char line[VIGIL_LINE_MAX];
	line[vigil_format_event(line, &e, sizeof(e), 1000)] = 0;
	EXPECT_STR(line, "{\"evt.type\":\"setns\",\"evt.rawtime\":1005,\"evt.res\":-1,\"proc.pid\":42,"
		"\"proc.ppid\":1,\"proc.name\":\"nsenter\",\"user.uid\":0,"
		"\"thread.cap_effective\":\"0x00000000a80425fb\",\"container.id\":\"0123456789ab\","
		"\"container.pids_limit\":-1,\"evt.arg.fd\":3,\"evt.arg.nstype\":1073741824,"
		"\"evt.arg.flags\":1073741824}\n");

	/* The execve record: proc.cmdline after proc.exepath, only when the
	 * arguments were read and the record is big enough to hold them. */
	struct vigil_exec_event x = { .ev = { .type = EV_EXECVE, .boot_ns = 5, .pid = 42, .ppid = 1,
					      .cg_level = 0 } };
	strcpy(x.ev.comm, "sh");
	strcpy(x.ev.path, "/bin/sh");
	memcpy(x.args, "sh\0-c\0echo \"hi\"\0", 16);
	x.args_len = 16;
	x.args_state = VIGIL_ARGS_OK;
	line[vigil_format_event(line, &x.ev, sizeof(x), 1000)] = 0;
	EXPECT_STR(line, "{\"evt.type\":\"execve\",\"evt.rawtime\":1005,\"evt.res\":0,\"proc.pid\":42,"
		"\"proc.ppid\":1,\"proc.name\":\"sh\",\"proc.exepath\":\"/bin/sh\","
		"\"proc.cmdline\":\"sh -c echo \\\"hi\\\"\",\"user.uid\":0,"
		"\"thread.cap_effective\":\"0x0000000000000000\",\"container.id\":\"host\"}\n");
	x.args_state = VIGIL_ARGS_FAILED;
	line[vigil_format_event(line, &x.ev, sizeof(x), 1000)] = 0;
	EXPECT_STR(line, "{\"evt.type\":\"execve\",\"evt.rawtime\":1005,\"evt.res\":0,\"proc.pid\":42,"
		"\"proc.ppid\":1,\"proc.name\":\"sh\",\"proc.exepath\":\"/bin/sh\",\"user.uid\":0,"
		"\"thread.cap_effective\":\"0x0000000000000000\",\"container.id\":\"host\"}\n");
	x.args_state = VIGIL_ARGS_OK;
	line[vigil_format_event(line, &x.ev, sizeof(x.ev), 1000)] = 0; /* short record */
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
	memset(x.ev.cg_name, 'a', sizeof(x.ev.cg_name) - 1);
	x.ev.cg_level = 2;
	x.ev.res = -9223372036854775807LL - 1;
	x.ev.boot_ns = 1ULL << 62;
	static char big[2 * VIGIL_LINE_MAX];
	size_t n = vigil_format_event(big, &x.ev, sizeof(x), 1000);
	if (n > VIGIL_LINE_MAX) {
		fprintf(stderr, "%s:%d: worst-case line is %zu bytes, VIGIL_LINE_MAX %d\n", __FILE__,
			__LINE__, n, VIGIL_LINE_MAX);
		failures++;
	}

	line[vigil_format_lost(line, 7, 3, "disconnected")] = 0;
	EXPECT_STR(line, "{\"evt.type\":\"vigil_sensor_lost\",\"evt.rawtime\":7,\"evt.arg.lost\":3,"
		"\"evt.arg.reason\":\"disconnected\"}\n");

	if (failures) {
		fprintf(stderr, "format_test: %d failures\n", failures);
		return 1;
	}
	printf("format_test: ok\n");
	return 0;
}
