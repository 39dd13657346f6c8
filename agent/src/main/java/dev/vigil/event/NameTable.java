package dev.vigil.event;

/**
 * A fixed table of names and their numbers (errno names, capabilities, socket families), with a
 * lookup over a char range that allocates nothing. Built once; immutable; thread-safe.
 */
public final class NameTable {
    private final String[] names;
    private final long[] values;
    private final int[] slots; // open addressing on the name hash: index+1, 0 = empty
    private final int mask;

    public NameTable(String[] names, long[] values) {
        if (names.length != values.length) {
            throw new IllegalArgumentException("names and values differ in length");
        }
        this.names = names.clone();
        this.values = values.clone();
        int size = Integer.highestOneBit(Math.max(4, names.length * 4) - 1) << 1;
        this.slots = new int[size];
        this.mask = size - 1;
        for (int i = 0; i < names.length; i++) {
            int s = names[i].hashCode() & mask;
            while (slots[s] != 0) {
                s = (s + 1) & mask;
            }
            slots[s] = i + 1;
        }
    }

    /** The number for the name in the range, or {@link Chars#NOT_A_NUMBER}. */
    public long lookup(char[] a, int off, int len) {
        int s = Chars.hash(a, off, len) & mask;
        while (slots[s] != 0) {
            int i = slots[s] - 1;
            if (Chars.equals(a, off, len, names[i])) {
                return values[i];
            }
            s = (s + 1) & mask;
        }
        return Chars.NOT_A_NUMBER;
    }

    public long lookup(String name) {
        char[] c = name.toCharArray();
        return lookup(c, 0, c.length);
    }

    /** The first name with this number, or null. */
    public String nameOf(long value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return names[i];
            }
        }
        return null;
    }
}
