package dev.vigil.event;

import java.util.Arrays;

/**
 * One event: a preallocated Disruptor slot that the decoder fills in place and the stages read.
 *
 * <p>Known fields ({@link Field}) are held by id: a presence bit, a long for LONG/BOOL/CAPS fields,
 * and a range of the text arena for STRING fields. Any other key of the line is kept as an extra:
 * its name (the decoder's interned String), its text and, when numeric, its value. Nothing here
 * allocates once the arena has grown to the largest line seen.
 *
 * <p>Text is held as UTF-8 bytes: the wire's values are nearly all ASCII, which the decoder copies as
 * they are (no widening into chars), and a byte a character is half a char's size to write and to hand
 * from the decoding thread to the matching one. A reader that needs chars (a rule's glob or regex)
 * decodes what it reads ({@link Utf8#decode}); lengths and offsets are in bytes.
 *
 * <p>Threading: written by one thread (decoder, then each stage in turn, ordered by the ring's
 * sequence barriers); never referenced after the last stage returns. {@link #clear()} resets it.
 */
public final class Event {
    /** Extras beyond this many per line are ignored (the line is still accepted). */
    public static final int MAX_EXTRAS = 128;
    private static final int INITIAL_EXTRAS = 8;

    private long present;
    private final long[] longs = new long[Field.COUNT];
    private final int[] textStart = new int[Field.COUNT];
    private final int[] textLength = new int[Field.COUNT];
    private byte[] text = new byte[512];
    private int textUsed;
    private int eventType;

    // Extras start small and grow (to MAX_EXTRAS at most) the first time a slot meets a wide line:
    // a slot then costs ~2.5 KiB with its text arena, not the ~4 KiB more that full-size arrays would.
    private int extraCount;
    private String[] extraNames = new String[INITIAL_EXTRAS];
    private int[] extraStart = new int[INITIAL_EXTRAS];
    private int[] extraLength = new int[INITIAL_EXTRAS];
    private long[] extraLong = new long[INITIAL_EXTRAS];

    /** System.nanoTime() when the line was read; for the latency histogram. */
    private long receiveNanos;
    /** False for a slot that carries no event (a line rejected after the slot was claimed). */
    private boolean valid;
    /** The container's labels, set by the state stage; an immutable object shared, never copied. */
    private ContainerMeta containerMeta;
    /** The container's sandbox as its workload started, set by the state stage; shared, never copied. */
    private ContainerSandbox sandbox;

    /**
     * Longest line the publisher may leave undecoded in a slot, for the pipeline thread to decode (its
     * share of the decoding); longer lines are decoded by the publisher.
     */
    public static final int MAX_UNDECODED_LINE_BYTES = 512;
    /**
     * A held line is copied to the start of the text arena, {@code text[0 .. lineLength)}, and stays there
     * until the slot holds another event: decoding it in place refers to its values' bytes there rather
     * than copying them ({@link #setTextUtf8}); {@link #clear()} starts the values after it.
     */
    private int lineLength;
    private long lineReceiveEpochNanos;
    /** The slot holds a line not yet decoded (set by the publisher, cleared by {@link #clear()}). */
    private boolean undecoded;

    public void clear() {
        present = 0;
        textUsed = lineLength;
        eventType = EventTypes.OTHER;
        extraCount = 0;
        valid = false;
        receiveNanos = 0;
        containerMeta = null;
        sandbox = null;
        undecoded = false;
    }

    // ---- presence and typed values ----

    public boolean has(Field f) {
        return (present & (1L << f.ordinal())) != 0;
    }

    public void remove(Field f) {
        present &= ~(1L << f.ordinal());
    }

    /** The value of a LONG, BOOL (1/0) or CAPS field; 0 when absent (check {@link #has}). */
    public long getLong(Field f) {
        return longs[f.ordinal()];
    }

    public boolean getBool(Field f) {
        return longs[f.ordinal()] != 0;
    }

    public void setLong(Field f, long v) {
        longs[f.ordinal()] = v;
        present |= 1L << f.ordinal();
    }

    public void setBool(Field f, boolean v) {
        setLong(f, v ? 1 : 0);
    }

    // ---- text ----

    /** The text arena; a STRING field's UTF-8 bytes are {@code text()[textStart(f) .. + textLength(f)]}. */
    public byte[] text() {
        return text;
    }

    public int textStart(Field f) {
        return textStart[f.ordinal()];
    }

    public int textLength(Field f) {
        return textLength[f.ordinal()];
    }

    /** Copies text into the arena (encoded as UTF-8) and marks the field present. */
    public void setText(Field f, char[] src, int off, int len) {
        int at = appendChars(src, off, len);
        setRange(f, at, textUsed - at);
    }

    /**
     * As {@link #setText(Field, char[], int, int)} for text held as UTF-8 bytes (the decoder's ASCII
     * ranges of a line), copied as they are: the decoder's fast path copies a value once.
     */
    public void setTextUtf8(Field f, byte[] src, int off, int len) {
        setRange(f, place(src, off, len), len);
    }

    public void setText(Field f, String s) {
        int at = textUsed;
        room(at, Utf8.MAX_BYTES_PER_CHAR * s.length());
        textUsed = at + Utf8.encode(s, text, at);
        setRange(f, at, textUsed - at);
    }

    private void setRange(Field f, int at, int len) {
        textStart[f.ordinal()] = at;
        textLength[f.ordinal()] = len;
        present |= 1L << f.ordinal();
    }

    public boolean textEquals(Field f, String s) {
        return has(f) && Chars.equals(text, textStart[f.ordinal()], textLength[f.ordinal()], s);
    }

    /** The text of a STRING field as a new String (allocates: for alert output, not matching). */
    public String string(Field f) {
        return has(f) ? Utf8.string(text, textStart[f.ordinal()], textLength[f.ordinal()]) : null;
    }

    // ---- event type ----

    /** The interned type id ({@link EventTypes}); {@link EventTypes#OTHER} for names not interned. */
    public int eventType() {
        return eventType;
    }

    public void setEventType(int id) {
        this.eventType = id;
    }

    // ---- extras ----

    public int extraCount() {
        return extraCount;
    }

    public String extraName(int i) {
        return extraNames[i];
    }

    public int extraStart(int i) {
        return extraStart[i];
    }

    public int extraLength(int i) {
        return extraLength[i];
    }

    /** The extra's numeric value, or {@link Chars#NOT_A_NUMBER} when its text is not an integer. */
    public long extraLong(int i) {
        return extraLong[i];
    }

    /** The index of the extra with this name, or -1. Names are compared by equals (small n). */
    public int findExtra(String name) {
        for (int i = 0; i < extraCount; i++) {
            String n = extraNames[i];
            if (n == name || n.equals(name)) {
                return i;
            }
        }
        return -1;
    }

    public String extraString(int i) {
        return Utf8.string(text, extraStart[i], extraLength[i]);
    }

    /**
     * Adds an extra; returns false (and keeps nothing) when {@link #MAX_EXTRAS} are already held.
     * A later extra of the same name shadows nothing: {@link #findExtra} returns the first.
     */
    public boolean addExtra(String name, char[] src, int off, int len, long numeric) {
        if (!roomForExtra()) {
            return false;
        }
        int at = appendChars(src, off, len);
        recordExtra(name, at, textUsed - at, numeric);
        return true;
    }

    /** As {@link #addExtra(String, char[], int, int, long)} for text held as UTF-8 bytes. */
    public boolean addExtraUtf8(String name, byte[] src, int off, int len, long numeric) {
        if (!roomForExtra()) {
            return false;
        }
        recordExtra(name, place(src, off, len), len, numeric);
        return true;
    }

    /** Grows the extras' arrays if needed; false when {@link #MAX_EXTRAS} are already held. */
    private boolean roomForExtra() {
        if (extraCount == extraNames.length) {
            if (extraCount == MAX_EXTRAS) {
                return false;
            }
            growExtras(Math.min(MAX_EXTRAS, extraCount * 2));
        }
        return true;
    }

    private void recordExtra(String name, int at, int len, long numeric) {
        extraNames[extraCount] = name;
        extraStart[extraCount] = at;
        extraLength[extraCount] = len;
        extraLong[extraCount] = numeric;
        extraCount++;
    }

    // ---- a line left for the pipeline thread to decode ----

    /**
     * Holds the line {@code src[off .. off+len)} (ending with its newline; at most
     * {@link #MAX_UNDECODED_LINE_BYTES}) undecoded, copied to the start of the text arena, with the
     * receive time to decode it against. The decoder's {@link #clear()} ends the undecoded state and
     * keeps the line, which the decoded values then refer to.
     */
    public void holdUndecoded(byte[] src, int off, int len, long receiveEpochNanos, long receiveNanos) {
        if (len > MAX_UNDECODED_LINE_BYTES) {
            throw new IllegalArgumentException("a held line is at most " + MAX_UNDECODED_LINE_BYTES + " bytes: " + len);
        }
        room(0, len);
        System.arraycopy(src, off, text, 0, len);
        lineLength = len;
        textUsed = len;
        lineReceiveEpochNanos = receiveEpochNanos;
        this.receiveNanos = receiveNanos;
        undecoded = true;
        valid = false;
    }

    /**
     * Lets go of a line held earlier (the slot now gets a line decoded elsewhere): {@link #clear()}
     * starts the arena at 0 again.
     */
    public void releaseLine() {
        lineLength = 0;
    }

    public boolean isUndecoded() {
        return undecoded;
    }

    /** The held line: {@code undecodedLine()[0 .. undecodedLength())}, the start of the text arena. */
    public byte[] undecodedLine() {
        return text;
    }

    public int undecodedLength() {
        return lineLength;
    }

    public long undecodedReceiveEpochNanos() {
        return lineReceiveEpochNanos;
    }

    // ---- bookkeeping ----

    public long receiveNanos() {
        return receiveNanos;
    }

    public void setReceiveNanos(long nanos) {
        this.receiveNanos = nanos;
    }

    public boolean isValid() {
        return valid;
    }

    public void setValid(boolean valid) {
        this.valid = valid;
    }

    /** The labels of the event's container (and pod), or null when unknown. */
    public ContainerMeta containerMeta() {
        return containerMeta;
    }

    public void setContainerMeta(ContainerMeta meta) {
        this.containerMeta = meta;
    }

    /** What the kernel enforces on the event's container's workload, or null when not (yet) read. */
    public ContainerSandbox sandbox() {
        return sandbox;
    }

    public void setSandbox(ContainerSandbox sandbox) {
        this.sandbox = sandbox;
    }

    /** Copies every value of another event into this one (for tests and replay tools). */
    public void copyFrom(Event o) {
        clear();
        if (text.length < o.textUsed) {
            text = new byte[o.text.length];
        }
        System.arraycopy(o.text, 0, text, 0, o.textUsed);
        textUsed = o.textUsed;
        lineLength = 0; // the copied line's bytes (if any) are the copy's own; a later clear() starts at 0
        present = o.present;
        System.arraycopy(o.longs, 0, longs, 0, longs.length);
        System.arraycopy(o.textStart, 0, textStart, 0, textStart.length);
        System.arraycopy(o.textLength, 0, textLength, 0, textLength.length);
        eventType = o.eventType;
        growExtras(o.extraCount);
        extraCount = o.extraCount;
        System.arraycopy(o.extraNames, 0, extraNames, 0, extraCount);
        System.arraycopy(o.extraStart, 0, extraStart, 0, extraCount);
        System.arraycopy(o.extraLength, 0, extraLength, 0, extraCount);
        System.arraycopy(o.extraLong, 0, extraLong, 0, extraCount);
        receiveNanos = o.receiveNanos;
        valid = o.valid;
        containerMeta = o.containerMeta;
        sandbox = o.sandbox;
    }

    private void growExtras(int n) {
        if (n > extraNames.length) {
            extraNames = Arrays.copyOf(extraNames, n);
            extraStart = Arrays.copyOf(extraStart, n);
            extraLength = Arrays.copyOf(extraLength, n);
            extraLong = Arrays.copyOf(extraLong, n);
        }
    }

    /**
     * Where the bytes are in the arena: a range of the arena itself (a held line's values, decoded in
     * place) is referred to where it is, since the arena's bytes before textUsed stay as they are until
     * the slot is cleared; any other is appended.
     */
    private int place(byte[] src, int off, int len) {
        if (src == text) {
            return off;
        }
        int at = textUsed;
        room(at, len);
        System.arraycopy(src, off, text, at, len);
        textUsed = at + len;
        return at;
    }

    private int appendChars(char[] src, int off, int len) {
        int at = textUsed;
        room(at, Utf8.MAX_BYTES_PER_CHAR * len);
        textUsed = at + Utf8.encode(src, off, len, text, at);
        return at;
    }

    /** Makes room for {@code len} bytes at {@code at}. */
    private void room(int at, int len) {
        if (at + len > text.length) {
            // Grows to the largest line seen (three bytes a char for chars to encode), then stays: bounded
            // by the maximum line length.
            text = Arrays.copyOf(text, Math.max(text.length * 2, at + len));
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Field f : Field.values()) {
            if (!has(f)) {
                continue;
            }
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(f.wireName()).append('=');
            sb.append(f.kind() == FieldKind.STRING ? string(f) : Long.toString(getLong(f)));
        }
        for (int i = 0; i < extraCount; i++) {
            sb.append(", ").append(extraNames[i]).append('=').append(extraString(i));
        }
        return sb.append('}').toString();
    }
}
