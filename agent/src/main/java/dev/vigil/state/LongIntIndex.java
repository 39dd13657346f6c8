package dev.vigil.state;

/**
 * An open-addressing map from a {@code long} key to a non-negative {@code int} (an entry's slot in a
 * table), with linear probing and backward-shift deletion (no tombstones, so lookups stay short
 * however many keys came and went). Fixed size: at most {@code capacity} keys, never resized; the
 * caller evicts before inserting beyond it. No boxing, no allocation after construction.
 *
 * <p>Not thread-safe.
 */
final class LongIntIndex {
    private static final int EMPTY = -1;

    private final long[] keys;
    private final int[] values;
    private final int mask;
    private final int shift;
    private final int capacity;
    private int size;

    LongIntIndex(int capacity) {
        this.capacity = capacity;
        // load factor <= 0.5
        int slots = Integer.highestOneBit(Math.max(4, capacity) - 1) << 2;
        this.keys = new long[slots];
        this.values = new int[slots];
        java.util.Arrays.fill(values, EMPTY);
        this.mask = slots - 1;
        this.shift = 64 - Integer.numberOfTrailingZeros(slots);
    }

    private int home(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** The value for the key, or -1. */
    int get(long key) {
        int i = home(key);
        while (true) {
            int v = values[i];
            if (v == EMPTY) {
                return -1;
            }
            if (keys[i] == key) {
                return v;
            }
            i = (i + 1) & mask;
        }
    }

    /** Sets the value of a key (new or not). The caller keeps size within capacity. */
    void put(long key, int value) {
        int i = home(key);
        while (true) {
            int v = values[i];
            if (v == EMPTY) {
                if (size == capacity) {
                    throw new IllegalStateException("index full: evict before inserting");
                }
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /** Removes a key; returns its value or -1. */
    int remove(long key) {
        int i = home(key);
        while (true) {
            int v = values[i];
            if (v == EMPTY) {
                return -1;
            }
            if (keys[i] == key) {
                break;
            }
            i = (i + 1) & mask;
        }
        int removed = values[i];
        size--;
        // Backward shift: pull later members of the probe run into the hole.
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (values[j] == EMPTY) {
                break;
            }
            int h = home(keys[j]);
            boolean movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = EMPTY;
        return removed;
    }

    int size() {
        return size;
    }
}
