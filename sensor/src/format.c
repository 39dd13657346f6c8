/* JSON rendering without stdio: the formatter runs once per event on the
 * sensor's only thread, so it appends bytes directly. */
#include <string.h>
#include "format.h"

static const char *const type_name[EV_TYPE_COUNT] = {
	[EV_CLONE] = "clone",        [EV_EXECVE] = "execve",
	[EV_PROCEXIT] = "procexit",  [EV_CLONE_FAIL] = "clone",
	[EV_CLONE3_FAIL] = "clone3", [EV_FORK_FAIL] = "fork",
	[EV_VFORK_FAIL] = "vfork",   [EV_SOCKET] = "socket",
	[EV_MOUNT] = "mount",        [EV_UMOUNT2] = "umount2",
	[EV_UNSHARE] = "unshare",    [EV_SETNS] = "setns",
	[EV_PIVOT_ROOT] = "pivot_root", [EV_BPF] = "bpf",
	[EV_INIT_MODULE] = "init_module", [EV_FINIT_MODULE] = "finit_module",
	[EV_SWAPON] = "swapon",      [EV_SETHOSTNAME] = "sethostname",
	[EV_SETDOMAINNAME] = "setdomainname", [EV_CAPABLE] = "capable",
	[EV_THROTTLE] = "vigil_sensor_throttle",
};

/* evt.arg.reason of a throttle line, by enum vigil_budget. */
const char *const vigil_budget_reason[VIGIL_BUDGETS] = {
	[VIGIL_BUDGET_PROCESS] = "process_budget",
	[VIGIL_BUDGET_SECURITY] = "security_budget",
};

/* JSON keys of arg[0..2] per type, as the BPF side fills them. NULL: unused. */
static const char *const arg_key[EV_TYPE_COUNT][3] = {
	[EV_PROCEXIT] = { "\"evt.arg.status\":" },
	[EV_SOCKET] = { "\"evt.arg.domain\":", "\"evt.arg.type\":", "\"evt.arg.proto\":" },
	[EV_MOUNT] = { "\"evt.arg.flags\":" },
	[EV_UMOUNT2] = { "\"evt.arg.flags\":" },
	[EV_UNSHARE] = { "\"evt.arg.flags\":" },
	[EV_SETNS] = { "\"evt.arg.fd\":", "\"evt.arg.nstype\":" },
	[EV_BPF] = { "\"evt.arg.cmd\":" },
	[EV_INIT_MODULE] = { "\"evt.arg.len\":" },
	[EV_FINIT_MODULE] = { "\"evt.arg.fd\":", "\"evt.arg.flags\":" },
	[EV_SWAPON] = { "\"evt.arg.flags\":" },
	[EV_CAPABLE] = { "\"evt.arg.cap\":", NULL, "\"evt.arg.userns_level\":" },
};

static char *put(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

static char *put_u64(char *p, unsigned long long v)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_i64(char *p, long long v)
{
	if (v < 0) {
		*p++ = '-';
		return put_u64(p, 0ULL - (unsigned long long)v);
	}
	return put_u64(p, v);
}

static const char hex[] = "0123456789abcdef";

static char *put_hex64(char *p, unsigned long long v)
{
	p = put(p, "\"0x");
	for (int shift = 60; shift >= 0; shift -= 4)
		*p++ = hex[(v >> shift) & 0xf];
	*p++ = '"';
	return p;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid: rejects
 * overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp, min;

	if (c < 0x80)
		return 1;
	else if ((c & 0xe0) == 0xc0)
		n = 2, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 3, cp = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

char *vigil_json_string(char *p, const char *str, size_t maxlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strnlen(str, maxlen);

	*p++ = '"';
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = c;
			i++;
		} else if (c < 0x20) {
			p = put(p, "\\u00");
			*p++ = hex[c >> 4];
			*p++ = hex[c & 0xf];
			i++;
		} else {
			size_t n = utf8_len(s + i, len - i);
			if (n) {
				memcpy(p, s + i, n);
				p += n;
				i += n;
			} else {
				p = put(p, "\xef\xbf\xbd"); /* U+FFFD */
				i++;
			}
		}
	}
	*p++ = '"';
	return p;
}

/* Length of s[0..len) without an incomplete UTF-8 sequence at its end (what
 * a cut at a byte count leaves); anything else is left to vigil_json_string. */
static size_t utf8_cut(const unsigned char *s, size_t len)
{
	for (size_t back = 1; back <= 4 && back <= len; back++) {
		unsigned c = s[len - back];
		if ((c & 0xc0) == 0x80)
			continue; /* a continuation byte: look further back */
		size_t want = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
		return want > back ? len - back : len;
	}
	return len;
}

char *vigil_cmdline(char *out, const char *comm, const char *args, size_t len, unsigned state)
{
	char joined[VIGIL_COMM_LEN + 1 + VIGIL_ARGS_LEN];
	size_t n = strnlen(comm, VIGIL_COMM_LEN);
	size_t end = len > VIGIL_ARGS_LEN ? VIGIL_ARGS_LEN : len;
	size_t arg1;

	if (state != VIGIL_ARGS_OK && state != VIGIL_ARGS_TRUNCATED)
		return NULL;
	if (state == VIGIL_ARGS_OK)
		while (end > 0 && args[end - 1] == 0)
			end--; /* the final NUL, and empty trailing arguments */
	for (arg1 = 0; arg1 < end && args[arg1] != 0; arg1++)
		;
	if (arg1 == end && state == VIGIL_ARGS_TRUNCATED)
		return NULL; /* argv[0] fills the area: argv[1..] unknown */
	memcpy(joined, comm, n);
	if (arg1 < end) {
		joined[n++] = ' ';
		for (size_t i = arg1 + 1; i < end; i++)
			joined[n++] = args[i] ? args[i] : ' ';
		if (state == VIGIL_ARGS_TRUNCATED)
			n = utf8_cut((const unsigned char *)joined, n);
	}
	return vigil_json_string(out, joined, n);
}

const char *const vigil_default_namespaces[] = { "k8s.io", "moby", "default", NULL };

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_hex(s[i]))
			return 0;
	return 1;
}

static int is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* containerd's identifier grammar: alphanumerics joined by single '.', '_'
 * or '-', at most 76 chars (containerd's identifiers package). */
static int is_containerd_identifier(const char *s, size_t n)
{
	if (n == 0 || n > 76)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !((s[i] == '.' || s[i] == '_' || s[i] == '-') && i > 0 &&
					 i + 1 < n && is_alnum(s[i - 1]) && is_alnum(s[i + 1])))
			return 0;
	return 1;
}

static int seg_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Runtimes' prefixes in <prefix>-<64 hex>[.scope]. A conmon scope
 * (libpod-conmon-<id>, crio-conmon-<id>) has another prefix, so it is not
 * taken for its container. */
static const char *const runtime_prefix[] = { "docker", "cri-containerd", "crio", "libpod", NULL };

/* Where a 64-hex id starts in the segment s[0..n), or NULL. */
static const char *hex_id_in_segment(const char *s, size_t n)
{
	size_t end = n;

	if (n == 64)
		return all_hex(s, 64) ? s : NULL;
	if (end > 6 && memcmp(s + end - 6, ".scope", 6) == 0)
		end -= 6;
	if (end < 64 + 2 || !all_hex(s + end - 64, 64))
		return NULL;
	size_t plen = end - 64 - 1; /* the prefix, before its separator */
	if (s[plen] == '-') {
		for (int i = 0; runtime_prefix[i]; i++)
			if (seg_is(s, plen, runtime_prefix[i]))
				return s + end - 64;
	} else if (s[plen] == ':' && end == n && plen > 15 && memcmp(s + plen - 15, ":cri-containerd", 15) == 0) {
		return s + end - 64; /* <slice>:cri-containerd:<id>, cgroup v2 without delegation */
	}
	return NULL;
}

static int short_id(const char *s, size_t n, char id[13])
{
	if (n > 12)
		n = 12;
	memcpy(id, s, n);
	id[n] = 0;
	if (n == 12 && all_hex(id, 12))
		for (int i = 0; i < 12; i++)
			if (id[i] >= 'A' && id[i] <= 'F')
				id[i] += 'a' - 'A';
	return 1;
}

int vigil_container_id_from_path(const char *path, const char *const *namespaces, char id[13])
{
	size_t len = strlen(path);
	const char *first = NULL, *second = NULL;
	size_t first_n = 0, second_n = 0;

	/* From the leaf up; empty segments (a leading, trailing or double '/')
	 * do not count. */
	for (size_t end = len; end > 0;) {
		size_t start = end;
		while (start > 0 && path[start - 1] != '/')
			start--;
		if (end > start) {
			const char *hex = hex_id_in_segment(path + start, end - start);
			if (hex)
				return short_id(hex, 64, id);
			second = first, second_n = first_n;
			first = path + start, first_n = end - start;
		}
		end = start > 0 ? start - 1 : 0;
	}
	/* first and second are now the root-most two segments. */
	if (first && second && is_containerd_identifier(second, second_n))
		for (int i = 0; namespaces && namespaces[i]; i++)
			if (seg_is(first, first_n, namespaces[i]))
				return short_id(second, second_n, id);
	memcpy(id, "host", 5);
	return 0;
}

int vigil_container_id(const struct vigil_event *e, const char *const *namespaces, char id[13])
{
	char path[VIGIL_CGPATH_LEN + 1];

	if (e->cg_level < 0 || (e->cg_flags & VIGIL_CG_CUT))
		return -1;
	if (e->cg_level == 0) {
		memcpy(id, "host", 5);
		return 0;
	}
	memcpy(path, e->cg_path, VIGIL_CGPATH_LEN);
	path[VIGIL_CGPATH_LEN] = 0; /* the record's may lack its NUL */
	int found = vigil_container_id_from_path(path, namespaces, id);
	/* Levels left out (see vigil.h) may hold the container's own segment:
	 * "host" would be a guess. */
	if (!found && e->cg_level > VIGIL_CG_DEPTH)
		return -1;
	return found;
}

size_t vigil_format_event(char *out, const struct vigil_event *e, size_t size,
			  long long epoch_offset_ns, const char *const *namespaces)
{
	char *p = out;
	char id[13];
	unsigned type = e->type; /* < EV_TYPE_COUNT: the caller checks */

	p = put(p, "{\"evt.type\":\"");
	p = put(p, type_name[type]);
	p = put(p, "\",\"evt.rawtime\":");
	p = put_i64(p, (long long)e->boot_ns + epoch_offset_ns);
	p = put(p, ",\"evt.res\":");
	p = put_i64(p, e->res);
	p = put(p, ",\"proc.pid\":");
	p = put_u64(p, e->pid);
	p = put(p, ",\"proc.ppid\":");
	p = put_u64(p, e->ppid);
	p = put(p, ",\"proc.name\":");
	p = vigil_json_string(p, e->comm, sizeof(e->comm));
	if (type == EV_EXECVE) {
		p = put(p, ",\"proc.exepath\":");
		p = vigil_json_string(p, e->path, sizeof(e->path));
		const struct vigil_exec_event *x = (const void *)e;
		if (size >= sizeof(*x)) { /* else an older record: no arguments */
			char *key = p;
			p = put(p, ",\"proc.cmdline\":");
			p = vigil_cmdline(p, e->comm, x->args, x->args_len, x->args_state);
			if (!p)
				p = key; /* unknown: omitted rather than wrong */
		}
	}
	p = put(p, ",\"user.uid\":");
	p = put_u64(p, e->uid);
	p = put(p, ",\"thread.cap_effective\":");
	p = put_hex64(p, e->cap_effective);
	int kind = vigil_container_id(e, namespaces, id);
	if (kind >= 0) {
		p = put(p, ",\"container.id\":");
		p = vigil_json_string(p, id, sizeof(id)); /* a name is [A-Za-z0-9._-]: no escape, but no trust */
	}
	if (kind > 0 && e->pids_limit >= -1) {
		p = put(p, ",\"container.pids_limit\":");
		p = put_i64(p, e->pids_limit);
	}
	for (int i = 0; i < 3; i++) {
		if (!arg_key[type][i])
			continue;
		*p++ = ',';
		p = put(p, arg_key[type][i]);
		p = put_i64(p, e->arg[i]);
	}
	if (type == EV_SETNS) { /* the contract's integer flags argument */
		p = put(p, ",\"evt.arg.flags\":");
		p = put_i64(p, e->arg[1]);
	}
	if (type == EV_CAPABLE)
		p = put(p, e->arg[1] ? ",\"evt.arg.audit\":true" : ",\"evt.arg.audit\":false");
	if (type == EV_THROTTLE) {
		p = put(p, ",\"evt.arg.state\":\"start\",\"evt.arg.reason\":\"");
		p = put(p, vigil_budget_reason[e->arg[0] == VIGIL_BUDGET_SECURITY]);
		*p++ = '"';
	}
	p = put(p, "}\n");
	return p - out;
}

/* ,"key":value */
static char *put_u64_field(char *p, const char *key, unsigned long long v)
{
	p = put(p, ",\"");
	p = put(p, key);
	p = put(p, "\":");
	return put_u64(p, v);
}

size_t vigil_format_throttle_start(char *out, const struct vigil_event *e, long long epoch_offset_ns,
				   const char *const *namespaces, unsigned long long rate,
				   unsigned long long burst)
{
	char *p = out + vigil_format_event(out, e, sizeof(*e), epoch_offset_ns, namespaces) - 2;
	p = put_u64_field(p, "evt.arg.rate", rate);
	p = put_u64_field(p, "evt.arg.burst", burst);
	p = put(p, "}\n");
	return p - out;
}

size_t vigil_format_throttle_stop(char *out, long long rawtime, const char *container_id,
				  const unsigned long long throttled[VIGIL_BUDGETS], long long first_ns,
				  long long last_ns)
{
	char *p = out;
	p = put(p, "{\"evt.type\":\"vigil_sensor_throttle\",\"evt.rawtime\":");
	p = put_i64(p, rawtime);
	if (container_id) {
		p = put(p, ",\"container.id\":");
		p = vigil_json_string(p, container_id, 13);
	}
	p = put(p, ",\"evt.arg.state\":\"stop\"");
	p = put_u64_field(p, "evt.arg.throttled", throttled[VIGIL_BUDGET_PROCESS] + throttled[VIGIL_BUDGET_SECURITY]);
	p = put_u64_field(p, "evt.arg.throttled_process", throttled[VIGIL_BUDGET_PROCESS]);
	p = put_u64_field(p, "evt.arg.throttled_security", throttled[VIGIL_BUDGET_SECURITY]);
	p = put(p, ",\"evt.arg.first_time\":");
	p = put_i64(p, first_ns);
	p = put(p, ",\"evt.arg.last_time\":");
	p = put_i64(p, last_ns);
	p = put(p, "}\n");
	return p - out;
}

size_t vigil_format_lost(char *out, long long rawtime, unsigned long long lost, const char *reason,
			 long long first_ns, long long last_ns)
{
	char *p = out;
	p = put(p, "{\"evt.type\":\"vigil_sensor_lost\",\"evt.rawtime\":");
	p = put_i64(p, rawtime);
	p = put(p, ",\"evt.arg.lost\":");
	p = put_u64(p, lost);
	p = put(p, ",\"evt.arg.reason\":\"");
	p = put(p, reason);
	p = put(p, "\",\"evt.arg.first_time\":");
	p = put_i64(p, first_ns);
	p = put(p, ",\"evt.arg.last_time\":");
	p = put_i64(p, last_ns);
	p = put(p, "}\n");
	return p - out;
}
