package dev.vigil.ingest;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Seeded mutations of event lines that aim at the edges of {@link FlatLineDecoder}'s fast path:
 * truncations, byte flips, escapes, duplicate keys, huge and odd numbers, whitespace JSON allows and
 * does not, non-ASCII and bad UTF-8, nested values, known keys given values of every type.
 */
final class LineMutator {
    private static final String[] KNOWN_KEYS = {"evt.type", "evt.rawtime", "evt.time", "evt.res", "evt.rawres",
        "evt.failed", "evt.dir", "proc.pid", "proc.name", "thread.cap_effective", "thread.cap_permitted",
        "evt.arg.type", "evt.arg.domain", "evt.arg.proto", "evt.arg.cap", "evt.arg.audit", "container.privileged",
        "container.pids_limit", "user.uid", "fd.name", "proc.aname[2]", "x", ""};
    private static final String[] VALUES = {"true", "false", "null", "0", "-0", "1", "-1", "01", "1.5", "1e3", "-",
        "9223372036854775807", "-9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "99999999999999999999", "123456789012345678901234567890", "\"\"", "\"abc\"", "\"1\"", "\"0\"", "\"true\"",
        "\"false\"", "\"EAGAIN\"", "\"ENOENT\"", "\"SUCCESS\"", "\"EWHATEVER\"", "\"SOCK_RAW\"", "\"SOCK_STREAM|SOCK_CLOEXEC\"",
        "\"AF_PACKET\"", "\"CAP_SYS_ADMIN\"", "\"CAP_SYS_ADMIN CAP_NET_RAW\"", "\"0x1f\"", "\"0x\"", "\"a80425fb\"",
        "\"2026-11-22T12:00:00Z\"", "\"2026-11-22T12:00:00.123+01:00\"", "\"1534527348518881735\"", "\"-12\"",
        "\"+12\"", "\"tmpfs\"", "\"socket\"", "\"execve\"", "{}", "[]", "{\"a\":[1,{\"b\":2}]}", "[[[[[[[[[[1]]]]]]]]]]",
        "\"a\\\"b\"", "\"\\u0041\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\x\"", "\"caf\u00e9\"", "\"\u20ac\"",
        "\"\ud83d\ude00\"", "tru", "nul", "NaN", "\"  0x10  \""};
    private static final String[] INSERTS = {"\\\"", "\\\\", "\\n", "\\u00e9", "\\u0041", "\\x", "\\", "\"", "{", "}",
        "[", "]", ",", ":", " ", "\t", "\r", "\u000b", "\f", "\u00a0", "\u00e9", "\u20ac", "\ud83d\ude00", "0", "-",
        ".", "e", "tr", "nu", "\u0000", "\u001f"};
    private static final byte[][] BAD_UTF8 = {{(byte) 0xC3}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        {(byte) 0xE2, (byte) 0x82}, {(byte) 0x80}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}};

    private final Random random;

    LineMutator(long seed) {
        random = new Random(seed);
    }

    /** A mutation (one to three changes) of the line's content (no newline in, a newline at the end out). */
    byte[] mutate(byte[] line) {
        byte[] b = line;
        int changes = 1 + random.nextInt(3);
        for (int i = 0; i < changes; i++) {
            b = once(b);
        }
        return withNewline(b);
    }

    private byte[] once(byte[] b) {
        int at = b.length == 0 ? 0 : random.nextInt(b.length + 1);
        return switch (random.nextInt(12)) {
            case 0 -> java.util.Arrays.copyOf(b, at); // truncation
            case 1 -> { // a byte flip
                byte[] c = b.clone();
                if (c.length > 0) {
                    c[random.nextInt(c.length)] = (byte) random.nextInt(256);
                }
                yield c;
            }
            case 2, 3 -> insert(b, at, utf8(INSERTS[random.nextInt(INSERTS.length)]));
            case 4 -> insert(b, at, BAD_UTF8[random.nextInt(BAD_UTF8.length)]);
            case 5 -> duplicateMember(b);
            case 6, 7, 8 -> replaceValue(b);
            case 9 -> renameKey(b);
            case 10 -> insert(b, tokenBoundary(b), utf8(new String[] {" ", "\t", "\r", "  \t ", "\u000b", "\f"}[random.nextInt(6)]));
            default -> addMember(b);
        };
    }

    /** A value of the line replaced by one of {@link #VALUES}. */
    private byte[] replaceValue(byte[] b) {
        int colon = nth(b, ':');
        if (colon < 0) {
            return b;
        }
        int end = colon + 1;
        if (end < b.length && b[end] == '"') {
            end++;
            while (end < b.length && b[end] != '"') {
                end += b[end] == '\\' ? 2 : 1;
            }
            end = Math.min(end + 1, b.length);
        } else {
            while (end < b.length && b[end] != ',' && b[end] != '}') {
                end++;
            }
        }
        return splice(b, colon + 1, end, utf8(VALUES[random.nextInt(VALUES.length)]));
    }

    /** A key of the line renamed to a known (or odd) key, so that values meet keys of every type. */
    private byte[] renameKey(byte[] b) {
        int colon = nth(b, ':');
        if (colon < 1 || b[colon - 1] != '"') {
            return b;
        }
        int open = colon - 2;
        while (open >= 0 && b[open] != '"') {
            open--;
        }
        if (open < 0) {
            return b;
        }
        return splice(b, open + 1, colon - 1, utf8(KNOWN_KEYS[random.nextInt(KNOWN_KEYS.length)]));
    }

    private byte[] addMember(byte[] b) {
        int brace = lastIndexOf(b, '}');
        if (brace < 0) {
            return b;
        }
        String member = ",\"" + KNOWN_KEYS[random.nextInt(KNOWN_KEYS.length)] + "\":" + VALUES[random.nextInt(VALUES.length)];
        return insert(b, brace, utf8(member));
    }

    /** A {@code ,"key":value} member repeated (a duplicate key). */
    private byte[] duplicateMember(byte[] b) {
        int comma = nth(b, ',');
        if (comma < 0) {
            return b;
        }
        int next = comma + 1;
        while (next < b.length && b[next] != ',' && b[next] != '}') {
            next++;
        }
        byte[] member = java.util.Arrays.copyOfRange(b, comma, next);
        return insert(b, next, member);
    }

    private int tokenBoundary(byte[] b) {
        for (int tries = 0; tries < 8 && b.length > 0; tries++) {
            int i = random.nextInt(b.length);
            byte x = b[i];
            if (x == ',' || x == ':' || x == '{' || x == '}') {
                return random.nextBoolean() ? i : i + 1;
            }
        }
        return b.length == 0 ? 0 : random.nextInt(b.length + 1);
    }

    /** The index of a random occurrence of {@code c}, or -1. */
    private int nth(byte[] b, char c) {
        int count = 0;
        for (byte x : b) {
            if (x == c) {
                count++;
            }
        }
        if (count == 0) {
            return -1;
        }
        int n = random.nextInt(count);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == c && n-- == 0) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(byte[] b, char c) {
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
        return splice(b, at, at, what);
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] what) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + what.length);
        out.write(b, 0, from);
        out.writeBytes(what);
        out.write(b, to, b.length - to);
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The line as the framer hands it out: no newline inside (each would end a line), one at the end. */
    static byte[] withNewline(byte[] content) {
        byte[] line = new byte[content.length + 1];
        for (int i = 0; i < content.length; i++) {
            line[i] = content[i] == '\n' ? (byte) ' ' : content[i];
        }
        line[content.length] = '\n';
        return line;
    }
}
