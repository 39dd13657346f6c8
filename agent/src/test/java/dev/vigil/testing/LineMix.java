package dev.vigil.testing;

import dev.vigil.ingest.RejectReason;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

/**
 * Generated event lines with every kind of bad line mixed in, and the exact count of each, so a test
 * can check the agent's accounting to the unit. Deterministic for a seed.
 */
public final class LineMix {
    public final byte[] bytes;
    public final long lines;
    public final long valid;
    public final Map<RejectReason, Long> rejected;

    private LineMix(byte[] bytes, long lines, long valid, Map<RejectReason, Long> rejected) {
        this.bytes = bytes;
        this.lines = lines;
        this.valid = valid;
        this.rejected = rejected;
    }

    public static LineMix generate(int count, long seed, int maxLineBytes) {
        Random r = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(count * 200);
        Map<RejectReason, Long> rejected = new EnumMap<>(RejectReason.class);
        for (RejectReason reason : RejectReason.values()) {
            rejected.put(reason, 0L);
        }
        long valid = 0;
        String[] types = {"execve", "clone", "socket", "capable", "procexit", "mount", "openat", "setns"};
        for (int i = 0; i < count; i++) {
            int pick = r.nextInt(100);
            RejectReason bad = null;
            byte[] line;
            if (pick < 93) {
                String type = types[r.nextInt(types.length)];
                int pid = 1000 + r.nextInt(50_000);
                line = ("{\"evt.type\":\"" + type + "\",\"evt.rawtime\":" + (1795000000000000000L + i)
                    + ",\"proc.pid\":" + pid + ",\"proc.name\":\"p" + (pid % 97) + "\",\"container.id\":\""
                    + (r.nextBoolean() ? "host" : "de6b9f00ba1" + r.nextInt(10))
                    + "\",\"thread.cap_effective\":\"0x00000000a80425fb\",\"evt.res\":" + (r.nextInt(20) - 2)
                    + ",\"evt.arg.domain\":\"AF_PACKET\",\"fd.name\":\"/tmp/f" + i + "\"}\n")
                    .getBytes(StandardCharsets.UTF_8);
                valid++;
            } else {
                bad = RejectReason.values()[pick - 93];
                line = badLine(bad, r, maxLineBytes);
            }
            if (bad != null) {
                rejected.merge(bad, 1L, Long::sum);
            }
            out.write(line, 0, line.length);
        }
        return new LineMix(out.toByteArray(), count, valid, rejected);
    }

    private static byte[] badLine(RejectReason reason, Random r, int maxLineBytes) {
        String s = switch (reason) {
            case NOT_JSON -> r.nextBoolean() ? "{\"evt.type\":\"execve\",\"proc.pid\":" : "garbage <<>> " + r.nextInt();
            case NOT_OBJECT -> r.nextBoolean() ? "[1,2,3]" : "\"just a string\"";
            case MISSING_TYPE -> "{\"proc.pid\":" + r.nextInt(1000) + "}";
            case WRONG_TYPE -> "{\"evt.type\":\"execve\",\"proc.pid\":\"not-a-pid\"}";
            case TOO_LONG -> "{\"evt.type\":\"execve\",\"proc.cmdline\":\"" + "A".repeat(maxLineBytes + r.nextInt(100)) + "\"}";
            case INVALID_UTF8 -> null;
            case TOO_DEEP -> "{\"evt.type\":\"x\",\"a\":" + "[".repeat(20) + "]".repeat(20) + "}";
        };
        if (s == null) {
            byte[] head = "{\"evt.type\":\"execve\",\"proc.name\":\"".getBytes(StandardCharsets.UTF_8);
            byte[] tail = "\"}\n".getBytes(StandardCharsets.UTF_8);
            byte[] b = new byte[head.length + 2 + tail.length];
            System.arraycopy(head, 0, b, 0, head.length);
            b[head.length] = (byte) 0xC3; // a lead byte without its continuation
            b[head.length + 1] = (byte) 0x28;
            System.arraycopy(tail, 0, b, head.length + 2, tail.length);
            return b;
        }
        return (s + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Splits the bytes at line boundaries into {@code n} parts of about equal size. */
    public byte[][] split(int n) {
        byte[][] parts = new byte[n][];
        int from = 0;
        for (int i = 0; i < n; i++) {
            int to = i == n - 1 ? bytes.length : Math.max(from, bytes.length * (i + 1) / n);
            while (to < bytes.length && to > 0 && bytes[to - 1] != '\n') {
                to++;
            }
            parts[i] = java.util.Arrays.copyOfRange(bytes, from, to);
            from = to;
        }
        return parts;
    }
}
