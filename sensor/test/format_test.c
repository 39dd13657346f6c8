/* Unit tests of the JSON rendering: escaping, invalid UTF-8, container ids. */
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

	struct vigil_event e = { .type = EV_SETNS, .boot_ns = 5, .res = -1, .pid = 42, .ppid = 1,
				 .uid = 0, .cap_effective = 0xa80425fbULL, .cg_level = 2,
				 .pids_limit = -1, .arg = { 3, 0x40000000 } };
	strcpy(e.comm, "nsenter");
	strcpy(e.cg_name, ID64);
	strcpy(e.cg_parent, "docker");
	char line[VIGIL_LINE_MAX];
	line[vigil_format_event(line, &e, 1000)] = 0;
	EXPECT_STR(line, "{\"evt.type\":\"setns\",\"evt.rawtime\":1005,\"evt.res\":-1,\"proc.pid\":42,"
		"\"proc.ppid\":1,\"proc.name\":\"nsenter\",\"user.uid\":0,"
		"\"thread.cap_effective\":\"0x00000000a80425fb\",\"container.id\":\"0123456789ab\","
		"\"container.pids_limit\":-1,\"evt.arg.fd\":3,\"evt.arg.nstype\":1073741824,"
		"\"evt.arg.flags\":1073741824}\n");
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
