package dev.vigil.rules;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Thousands of random and mutated conditions thrown at the parser (seeded, time-bounded): only
 * {@link ConditionSyntaxException} may come out, never another exception or a hang; whatever parses
 * must also compile without anything but {@link RuleCompileException}.
 */
class ParserFuzzTest {
    static final String[] SEEDS = {
        "evt.type = execve and proc.name in (bash, sh) and not container.id = host",
        "(evt.type in (open,openat) and fd.name pmatch (/etc)) or proc.aname[2] startswith \"runc\"",
        "not proc.cmdline contains 'a \\' b' and tolower(proc.name) = val(proc.pname)",
        "thread.cap_effective contains CAP_SYS_ADMIN and evt.res != SUCCESS and len(proc.name) > 3",
        "proc.exepath endswith oneof (sh, bash) and evt.arg.domain = AF_PACKET and fd.name exists",
        "evt.rawres >= 0 or evt.res = EINPROGRESS and proc.name glob 'a*[bc]?' and proc.name regex '(x|y)+'",
    };
    static final String[] ATOMS = {"(", ")", " and ", " or ", " not ", "not(", "=", "!=", " in ", "(a, b)", ",",
        "'", "\"", "\\", "proc.name", "evt.type", "[", "]", "val(", "tolower(", " exists", " contains ", "x",
        " oneof ", " ", "\n", "<=", ">", "0x", "-", "%", "proc.aname[", "len(", "regex '['", "glob '[!'"};

    @Test
    void onlySyntaxErrorsComeOut() throws Exception {
        Random rnd = new Random(42);
        ConditionCompiler compiler = new ConditionCompiler(Map.of("m", "proc.name = x"), Map.of("l", List.of("a", "l2")));
        long deadline = System.nanoTime() + 3_000_000_000L;
        int n = 0;
        int parsed = 0;
        while (n < 200_000 && (n < 5_000 || System.nanoTime() < deadline)) {
            String c = n % 2 == 0 ? mutate(SEEDS[rnd.nextInt(SEEDS.length)], rnd) : random(rnd);
            n++;
            Ast a;
            try {
                a = ConditionParser.parse(c);
            } catch (ConditionSyntaxException e) {
                continue;
            } catch (Throwable t) {
                fail("parser threw " + t + " on: " + c, t);
                return;
            }
            parsed++;
            try {
                compiler.compile(a);
            } catch (RuleCompileException e) {
                // a skip or a semantic error: fine
            } catch (Throwable t) {
                fail("compiler threw " + t + " on: " + c, t);
            }
        }
        System.out.println("fuzz: " + n + " conditions, " + parsed + " parsed");
        assertTrue(n >= 5_000, "ran " + n);
        assertTrue(parsed > 100, "some inputs parse: " + parsed);
    }

    static String mutate(String s, Random rnd) {
        StringBuilder sb = new StringBuilder(s);
        int edits = 1 + rnd.nextInt(4);
        for (int i = 0; i < edits && sb.length() > 0; i++) {
            int at = rnd.nextInt(sb.length());
            switch (rnd.nextInt(4)) {
                case 0 -> sb.deleteCharAt(at);
                case 1 -> sb.insert(at, ATOMS[rnd.nextInt(ATOMS.length)]);
                case 2 -> sb.setCharAt(at, (char) (32 + rnd.nextInt(95)));
                default -> sb.delete(at, Math.min(sb.length(), at + rnd.nextInt(10)));
            }
        }
        return sb.toString();
    }

    static String random(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int len = rnd.nextInt(30);
        for (int i = 0; i < len; i++) {
            sb.append(rnd.nextInt(10) == 0 ? String.valueOf((char) rnd.nextInt(0x3000)) : ATOMS[rnd.nextInt(ATOMS.length)]);
        }
        if (rnd.nextInt(50) == 0) {
            sb.append("(".repeat(5000)); // deep nesting must be refused, not overflow the stack
        }
        return sb.toString();
    }
}
