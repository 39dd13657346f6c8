package dev.vigil.rules;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The condition language: precedence, quoting, every operator and modifier, lists and macros. */
class GrammarTest {
    static final long CAPS = Capabilities.DOCKER_DEFAULT | (1L << Capabilities.CAP_SYS_ADMIN);

    static Event sample() {
        return TestEvents.event("execve",
            "proc.name", "bash", "proc.pid", 4242L, "proc.cmdline", "bash -c 'echo hi'",
            "proc.exepath", "/usr/bin/bash", "proc.pname", "sh", "user.uid", 0L,
            "container.id", "de6b9f00ba11", "container.image.repository", "docker.io/library/NGINX",
            "container.privileged", true, "thread.cap_effective", CAPS, "evt.res", -11L, "evt.failed", true,
            "evt.arg.domain", 17L, "evt.arg.type", 3L, "fd.name", "/etc/shadow", "proc.aname[2]", "containerd-shim",
            "evt.arg.flags", "O_RDONLY|O_CLOEXEC", "fd.num", "3");
    }

    static final Map<String, String> MACROS = Map.of(
        "spawned_process", "evt.type = execve",
        "is_shell", "proc.name in (more_shells)",
        "nested", "(spawned_process and is_shell)",
        "container", "(container.id != host)");
    static final Map<String, List<String>> LISTS = Map.of(
        "shells", List.of("bash", "sh"),
        "more_shells", List.of("shells", "zsh"),
        "quoted", List.of("'\"(systemd)\"'", "\"bash\""));

    static boolean eval(String condition, Event e) throws Exception {
        ConditionCompiler c = new ConditionCompiler(MACROS, LISTS);
        return c.compile(ConditionParser.parse(condition)).check().test(e);
    }

    static Stream<Arguments> table() {
        return Stream.of(
            // precedence: not > and > or
            arguments("proc.name=bash or proc.name=x and proc.pid=1", true),
            arguments("(proc.name=bash or proc.name=x) and proc.pid=1", false),
            arguments("not proc.name=x and proc.pid=4242", true),
            arguments("not (proc.name=bash and proc.pid=1)", true),
            arguments("not proc.name=bash or proc.pid=4242", true),
            arguments("not proc.name=bash and proc.pid=4242", false),
            arguments("not not proc.name=bash", true),
            arguments("not(proc.name=bash)", false),
            arguments("proc.name=x or proc.name=y or proc.name=bash", true),
            // quoting
            arguments("proc.cmdline = \"bash -c 'echo hi'\"", true),
            arguments("proc.cmdline = 'bash -c \\'echo hi\\''", true),
            arguments("proc.cmdline contains \"c 'echo\"", true),
            arguments("fd.name in (\"/etc/shadow\", '/etc/passwd')", true),
            arguments("proc.name=\"bash\"", true),
            arguments("proc.name = 'ba sh'", false),
            // comparison operators
            arguments("proc.pid = 4242", true), arguments("proc.pid == 4242", true),
            arguments("proc.pid != 4242", false), arguments("proc.pid < 4243", true),
            arguments("proc.pid <= 4241", false), arguments("proc.pid > 4000", true),
            arguments("proc.pid >= 4242", true), arguments("proc.pid in (1, 4242)", true),
            arguments("proc.pid in (1, 2)", false), arguments("user.uid = 0x0", true),
            // string operators
            arguments("proc.name in (sh, bash)", true), arguments("proc.name intersects (bash)", true),
            arguments("fd.name pmatch (/etc, /usr)", true), arguments("fd.name pmatch (/et)", false),
            arguments("proc.cmdline contains echo", true), arguments("proc.name icontains BAS", true),
            arguments("proc.name contains BAS", false), arguments("proc.exepath startswith /usr/", true),
            arguments("proc.exepath endswith /bash", true), arguments("proc.exepath glob '/usr/*/ba?h'", true),
            arguments("proc.exepath glob '/usr/[a-c]in/*'", true), arguments("proc.exepath glob /usr/*/zsh", false),
            arguments("proc.exepath iglob '/USR/*'", true), arguments("proc.exepath regex '/usr/bin/(ba|z)sh'", true),
            arguments("proc.exepath regex 'bin'", false), arguments("proc.name bcontains 617368", true),
            arguments("proc.name bstartswith 6261", true), arguments("proc.name bstartswith 6173", false),
            arguments("proc.name exists", true), arguments("k8s.pod.name exists", false),
            arguments("fd.name exists", true), arguments("proc.cwd exists", false),
            // modifiers
            arguments("proc.exepath startswith oneof (/sbin, /usr/bin)", true),
            arguments("proc.exepath startswith anyof (/sbin, /opt)", false),
            arguments("proc.exepath endswith allof (sh, bash)", true),
            arguments("proc.exepath endswith allof (sh, zsh)", false),
            arguments("proc.exepath contains oneof (shells)", true),
            // val() and transformers
            arguments("proc.name = val(proc.pname)", false), arguments("proc.name != val(proc.pname)", true),
            arguments("proc.pid > val(user.uid)", true),
            arguments("tolower(container.image.repository) contains nginx", true),
            arguments("container.image.repository contains nginx", false),
            arguments("toupper(proc.name) = BASH", true), arguments("basename(proc.exepath) = bash", true),
            arguments("len(proc.name) = 4", true), arguments("len(proc.name) > 10", false),
            arguments("proc.name = tolower(proc.name)", true),
            // field arguments and ancestors
            arguments("proc.aname[2] = containerd-shim", true), arguments("proc.aname[1] = sh", true),
            arguments("proc.aname[0] = bash", true), arguments("proc.aname in (containerd-shim)", true),
            arguments("proc.aname = foo", false), arguments("proc.aname[3] = foo", false),
            // evt.res string form, evt.rawres numeric
            arguments("evt.res = EAGAIN", true), arguments("evt.res != SUCCESS", true),
            arguments("evt.res = SUCCESS", false), arguments("evt.rawres = -11", true),
            arguments("evt.res = -11", true), arguments("evt.res startswith E", true),
            arguments("evt.res in (ENOENT, EAGAIN)", true), arguments("evt.rawres >= 0", false),
            arguments("evt.failed = true", true),
            // capabilities as bit tests, masks, names
            arguments("thread.cap_effective contains CAP_SYS_ADMIN", true),
            arguments("thread.cap_effective icontains sys_admin", true),
            arguments("thread.cap_effective contains CAP_SYS_MODULE", false),
            arguments("thread.cap_effective intersects (CAP_SYS_MODULE, CAP_SYS_ADMIN)", true),
            arguments("thread.cap_effective intersects (CAP_SYS_MODULE, CAP_BPF)", false),
            arguments("thread.cap_effective = " + Capabilities.hex(CAPS), true),
            arguments("thread.cap_effective = 0x00000000a80425fb", false),
            arguments("thread.cap_effective contains allof (CAP_SYS_ADMIN, CAP_NET_RAW)", true),
            arguments("thread.cap_effective contains 'CAP_KILL CAP_SETGID'", true),
            arguments("thread.cap_effective startswith CAP_CHOWN", true),
            // socket arguments by name or number
            arguments("evt.arg.domain = AF_PACKET", true), arguments("evt.arg.domain = 17", true),
            arguments("evt.arg.domain contains AF_PACKET", true), arguments("evt.arg.domain = AF_INET", false),
            arguments("evt.arg.type = SOCK_RAW", true), arguments("evt.rawarg.domain = 17", true),
            // missing fields: every comparison false, only not makes it true
            arguments("k8s.pod.name != x", false), arguments("not k8s.pod.name = x", true),
            arguments("container.privileged = true", true), arguments("container.privileged = false", false),
            arguments("container.id != host", true), arguments("container", true),
            // extras
            arguments("evt.arg.flags contains O_CLOEXEC", true), arguments("fd.num >= 3", true),
            arguments("fd.num < 3", false), arguments("fd.num = 3", true),
            // macros and lists
            arguments("spawned_process and is_shell", true), arguments("nested", true),
            arguments("proc.name in more_shells", true), arguments("proc.name in (\"shells\")", false),
            arguments("proc.name in (quoted)", true), arguments("proc.name in ()", false),
            // event types
            arguments("evt.type in (open, execve)", true), arguments("evt.type != execve", false),
            arguments("evt.type = my_custom", false), arguments("evt.type startswith exec", true));
    }

    /** Values beyond ASCII (the event holds them as UTF-8): every text operator sees the same characters. */
    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("beyondAscii")
    void operatorsSeeTheCharactersOfATextBeyondAscii(String condition, boolean expected) throws Exception {
        Event e = TestEvents.event("execve", "proc.name", "caf\u00e9", "proc.exepath", "/opt/\u00fcber/\u65e5\u672c",
            "proc.pname", "\ud83d\ude00sh", "fd.name", "/tmp/na\u00efve");
        assertEquals(expected, eval(condition, e), condition);
    }

    /** A lone surrogate (a JSON escape can send one) is held as U+FFFD in the value and in a rule's constant alike. */
    @Test
    void aLoneSurrogateInAValueAndInAConstantStillMatch() throws Exception {
        Event e = TestEvents.event("execve", "proc.name", "a\ud800", "proc.exepath", "/x\udc00/y");
        assertTrue(eval("proc.name = 'a\ud800'", e));
        assertTrue(eval("proc.name in (b, 'a\ud800')", e));
        assertTrue(eval("proc.exepath startswith '/x\udc00'", e));
        assertFalse(eval("proc.name = a", e));
    }

    static Stream<Arguments> beyondAscii() {
        return Stream.of(
            arguments("proc.name = caf\u00e9", true), arguments("proc.name = cafe", false),
            arguments("proc.name in (tea, caf\u00e9)", true), arguments("proc.name icontains CAF\u00c9", true),
            arguments("proc.name startswith caf", true), arguments("proc.name endswith \u00e9", true),
            arguments("proc.name glob 'caf?'", true), arguments("proc.name glob 'ca?'", false),
            arguments("proc.exepath contains \u00fcber/\u65e5", true), arguments("proc.exepath pmatch (/opt/\u00fcber)", true),
            arguments("proc.name regex 'caf.'", true), arguments("proc.aname = \ud83d\ude00sh", true),
            arguments("proc.pname glob '*sh'", true), arguments("fd.name = val(fd.name)", true),
            arguments("basename(proc.exepath) = \u65e5\u672c", true), arguments("toupper(proc.name) = CAF\u00c9", true),
            // Falco's byte operators read the text's UTF-8 bytes: \u00e9 is c3 a9
            arguments("proc.name bcontains 'c3 a9'", true), arguments("proc.name bcontains e9", false),
            arguments("proc.name bstartswith 636166c3", true), arguments("proc.name bstartswith c3", false));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("table")
    void evaluates(String condition, boolean expected) throws Exception {
        assertEquals(expected, eval(condition, sample()), condition);
    }

    @Test
    void typeNotInternedComparesByText() throws Exception {
        Event e = TestEvents.event("pids_max_hit", "container.id", "abc");
        assertTrue(eval("evt.type = pids_max_hit", e));
        assertFalse(eval("evt.type = execve", e));
    }

    @Test
    void syntaxErrorsNameLineAndColumn() {
        ConditionSyntaxException e = assertThrows(ConditionSyntaxException.class,
            () -> ConditionParser.parse("proc.name = bash and\n  (proc.pid = "));
        assertEquals(2, e.line());
        assertTrue(e.column() > 1);
        assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parse("proc.name bash"));
        assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parse("(proc.name = bash"));
        assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parse("proc.name = 'open"));
        assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parse("(".repeat(200) + "a" + ")".repeat(200)));
    }

    @Test
    void unknownFieldsAndTransformersSkipWhileUndefinedMacrosAreErrors() throws Exception {
        ConditionCompiler c = new ConditionCompiler(MACROS, LISTS);
        RuleCompileException e = assertThrows(RuleCompileException.class, () -> c.compile(ConditionParser.parse("fd.net = 1")));
        assertTrue(e.skip());
        assertEquals("unknown field fd.net", e.getMessage());
        e = assertThrows(RuleCompileException.class, () -> c.compile(ConditionParser.parse("b64(proc.name) = x")));
        assertTrue(e.skip());
        assertEquals("unsupported transformer b64", e.getMessage());
        e = assertThrows(RuleCompileException.class, () -> c.compile(ConditionParser.parse("proc.name = x and no_such_macro")));
        assertFalse(e.skip());
        e = assertThrows(RuleCompileException.class, () -> c.compile(ConditionParser.parse("proc.name > x")));
        assertFalse(e.skip());
    }
}
