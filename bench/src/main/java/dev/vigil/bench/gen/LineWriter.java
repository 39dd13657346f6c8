package dev.vigil.bench.gen;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes flat JSON objects, one per line, straight into a byte buffer: no JSON library and no
 * String per line, so that millions of lines take seconds. Keys and values are the generator's
 * own ASCII text; quotes, backslashes and control characters are escaped all the same.
 *
 * <p>Threading: one thread.
 */
final class LineWriter {
    /** Flush before a line could overflow: lines stay far below this. */
    private static final int HEADROOM = 64 * 1024;

    private final OutputStream out;
    private final byte[] buf = new byte[1 << 20];
    private int pos;
    private boolean first;
    private long lines;

    LineWriter(OutputStream out) {
        this.out = out;
    }

    LineWriter begin() {
        if (pos > buf.length - HEADROOM) {
            flush();
        }
        buf[pos++] = '{';
        first = true;
        return this;
    }

    LineWriter str(String key, String value) {
        key(key);
        buf[pos++] = '"';
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                buf[pos++] = '\\';
                buf[pos++] = (byte) c;
            } else if (c < 0x20 || c > 0x7e) {
                // The generator writes ASCII only; anything else becomes a JSON escape.
                buf[pos++] = '\\';
                buf[pos++] = 'u';
                for (int shift = 12; shift >= 0; shift -= 4) {
                    buf[pos++] = (byte) Character.forDigit((c >> shift) & 0xf, 16);
                }
            } else {
                buf[pos++] = (byte) c;
            }
        }
        buf[pos++] = '"';
        return this;
    }

    LineWriter num(String key, long value) {
        key(key);
        if (value == Long.MIN_VALUE) {
            ascii(Long.toString(value));
            return this;
        }
        if (value < 0) {
            buf[pos++] = '-';
            value = -value;
        }
        int start = pos;
        do {
            buf[pos++] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value != 0);
        for (int i = start, j = pos - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
        return this;
    }

    LineWriter bool(String key, boolean value) {
        key(key);
        ascii(value ? "true" : "false");
        return this;
    }

    void end() {
        buf[pos++] = '}';
        buf[pos++] = '\n';
        lines++;
    }

    long lines() {
        return lines;
    }

    void flush() {
        try {
            out.write(buf, 0, pos);
            pos = 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void key(String key) {
        if (!first) {
            buf[pos++] = ',';
        }
        first = false;
        buf[pos++] = '"';
        ascii(key);
        buf[pos++] = '"';
        buf[pos++] = ':';
    }

    private void ascii(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            buf[pos++] = (byte) s.charAt(i);
        }
    }
}
