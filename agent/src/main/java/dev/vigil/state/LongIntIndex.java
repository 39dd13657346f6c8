package dev.vigil.state;

/**
 * An open-addressing map from a {@code long} key to a non-negative {@code int} (an entry's slot in a
 * table), with linear probing and backward-shift deletion (no tombstones, so lookups stay short
 * however many keys came and went). Fixed size: at most {@code capacity} keys, never resized; the
 * caller evicts before inserting beyond it. No boxing, no allocation after construction. A key and its
 * value sit side by side in one array, so a lookup of a key not in cache costs one miss, not two.
 *
 * <p>Not thread-safe.
 */
final class LongIntIndex {
    private static final int EMPTY = -1;

    /** Slot i: its key at [2i], its value at [2i + 1] ({@link #EMPTY} when the slot is free). */
    private final long[] slots;
    private final int mask;
    private final int shift;
    private final int capacity;
    private int size;

    LongIntIndex(int capacity) {
        this.capacity = capacity;
        // load factor <= 0.5
        int n = Integer.highestOneBit(Math.max(4, capacity) - 1) << 2;
        this.slots = new long[2 * n];
        for (int i = 0; i < n; i++) {
            slots[2 * i + 1] = EMPTY;
        }
        this.mask = n - 1;
        this.shift = 64 - Integer.numberOfTrailingZeros(n);
    }

    private long key(int i) {
        return slots[2 * i];
    }

    private int value(int i) {
        return (int) slots[2 * i + 1];
    }

    private void set(int i, long key, int value) {
        slots[2 * i] = key;
        slots[2 * i + 1] = value;
    }

    private int home(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** The value for the key, or -1. */
    int get(long key) {
        int i = home(key);
        while (true) {
            int v = value(i);
            if (v == EMPTY) {
                return -1;
            }
            if (key(i) == key) {
                return v;
            }
            i = (i + 1) & mask;
        }
    }

    /** Sets the value of a key (new or not). The caller keeps size within capacity. */
    void put(long key, int value) {
        int i = home(key);
        while (true) {
            int v = value(i);
            if (v == EMPTY) {
                if (size == capacity) {
                    throw new IllegalStateException("index full: evict before inserting");
                }
                set(i, key, value);
                size++;
                return;
            }
            if (key(i) == key) {
                set(i, key, value);
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /** Removes a key; returns its value or -1. */
    int remove(long key) {
        int i = home(key);
        while (true) {
            int v = value(i);
            if (v == EMPTY) {
                return -1;
            }
            if (key(i) == key) {
                break;
            }
            i = (i + 1) & mask;
        }
        int removed = value(i);
        size--;
        // Backward shift: pull later members of the probe run into the hole.
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (value(j) == EMPTY) {
                break;
            }
            int h = home(key(j));
            boolean movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
            if (movable) {
                set(hole, key(j), value(j));
                hole = j;
            }
        }
        slots[2 * hole + 1] = EMPTY;
        return removed;
    }

    int size() {
        return size;
    }
}
