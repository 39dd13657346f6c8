package dev.vigil.state;

/**
 * An open-addressing map from a {@code long} key to a non-negative {@code int} (an entry's slot in a
 * table), with linear probing and backward-shift deletion (no tombstones, so lookups stay short
 * however many keys came and went). At most {@code capacity} keys (the caller evicts before inserting
 * beyond it). No boxing; a key and its value sit side by side in one array, so a lookup of a key not in
 * cache costs one miss, not two.
 *
 * <p>The slots start few and double (a rehash, allocating) whenever the keys would fill more than half
 * of them, up to what {@code capacity} keys need: a node's few hundred live pids keep a table that
 * stays in cache, rather than being spread over one sized for the largest node (8 MiB for 262,144
 * processes, where every fresh pid was a cache miss). It never shrinks, so it allocates only while the
 * node's high-water mark of live keys rises.
 *
 * <p>Keys that differ only in their two lowest bits land in adjacent slots: blocks of four slots (64
 * bytes) are hashed apart, the two bits pick the slot within one. The kernel hands out pids in
 * sequence, so a burst of forks touches a block per four pids rather than a line per pid.
 *
 * <p>Not thread-safe.
 */
final class LongIntIndex {
    private static final int EMPTY = -1;
    /** Slots at first (a power of two, at least 4: one hashed block). */
    static final int INITIAL_SLOTS = 1024;

    /** Slot i: its key at [2i], its value at [2i + 1] ({@link #EMPTY} when the slot is free). */
    private long[] slots;
    private int mask;
    private int shift;
    private final int capacity;
    private final int maxSlots;
    private int size;

    LongIntIndex(int capacity) {
        this.capacity = capacity;
        // load factor <= 0.5 at capacity
        this.maxSlots = Integer.highestOneBit(Math.max(4, capacity) - 1) << 2;
        allocate(Math.min(INITIAL_SLOTS, maxSlots));
    }

    private void allocate(int n) {
        slots = new long[2 * n];
        for (int i = 0; i < n; i++) {
            slots[2 * i + 1] = EMPTY;
        }
        mask = n - 1;
        // the hash picks one of n / 4 blocks: 64 minus the block count's bits
        shift = 64 - Integer.numberOfTrailingZeros(n) + 2;
    }

    /** How many slots the index has now (for tests: it grows with its keys). */
    int slotCount() {
        return mask + 1;
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

    /** The key's first slot: a hashed block of four for all but its two lowest bits, those bits within it. */
    int home(long key) {
        int block = (int) (((key >>> 2) * 0x9E3779B97F4A7C15L) >>> shift);
        return ((block << 2) | (int) (key & 3)) & mask;
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
        if (2 * (size + 1) > slotCount() && slotCount() < maxSlots) {
            grow();
        }
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

    private void grow() {
        long[] old = slots;
        allocate(2 * slotCount());
        for (int i = 0; i < old.length; i += 2) {
            int v = (int) old[i + 1];
            if (v != EMPTY) {
                int j = home(old[i]);
                while (value(j) != EMPTY) {
                    j = (j + 1) & mask;
                }
                set(j, old[i], v);
            }
        }
    }

    int size() {
        return size;
    }
}
