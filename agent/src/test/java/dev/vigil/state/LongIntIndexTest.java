package dev.vigil.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongIntIndexTest {
    @Test
    void agreesWithAHashMapUnderRandomPutsAndRemoves() {
        LongIntIndex index = new LongIntIndex(1000);
        Map<Long, Integer> model = new HashMap<>();
        Random r = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            long k = r.nextInt(3000);
            if (r.nextBoolean() && (model.size() < 1000 || model.containsKey(k))) {
                index.put(k, i);
                model.put(k, i);
            } else {
                assertEquals(model.containsKey(k) ? model.remove(k) : -1, index.remove(k));
            }
            long probe = r.nextInt(3000);
            assertEquals(model.getOrDefault(probe, -1), index.get(probe));
        }
        assertEquals(model.size(), index.size());
    }

    @Test
    void agreesWithAHashMapWhileGrowingThroughSeveralSizes() {
        // pid-like keys (runs of consecutive numbers, as the kernel hands them out) mixed with random
        // longs, up to capacity, then churned: every doubling's rehash and later removals keep every key
        int capacity = 40_000;
        LongIntIndex index = new LongIntIndex(capacity);
        Map<Long, Integer> model = new HashMap<>();
        Random r = new Random(7);
        long nextPid = 300_000;
        for (int i = 0; i < 400_000; i++) {
            long k = r.nextInt(4) == 0 ? r.nextLong() >>> 1 : nextPid++;
            if (i < 60_000 || r.nextBoolean()) {
                if (model.size() < capacity) {
                    index.put(k, i);
                    model.put(k, i);
                }
            } else {
                long gone = r.nextBoolean() ? nextPid - 1 - r.nextInt(60_000) : k;
                assertEquals(model.containsKey(gone) ? model.remove(gone) : -1, index.remove(gone));
            }
            long probe = nextPid - 1 - r.nextInt(80_000);
            assertEquals(model.getOrDefault(probe, -1), index.get(probe), "pid " + probe);
        }
        assertEquals(model.size(), index.size());
        for (Map.Entry<Long, Integer> e : model.entrySet()) {
            assertEquals(e.getValue(), index.get(e.getKey()));
        }
    }

    @Test
    void startsSmallAndGrowsWithItsKeysToWhatItsCapacityNeedsAndNoFurther() {
        LongIntIndex index = new LongIntIndex(262_144);
        assertEquals(LongIntIndex.INITIAL_SLOTS, index.slotCount());
        for (int k = 0; k < 500; k++) {
            index.put(k, k);
        }
        assertEquals(LongIntIndex.INITIAL_SLOTS, index.slotCount(), "500 keys fit in 1,024 slots at load 0.5");
        for (int k = 500; k < 5_000; k++) {
            index.put(k, k);
            assertTrue(index.size() * 2 <= index.slotCount(), "load over 0.5 at " + index.size());
        }
        assertEquals(16_384, index.slotCount());
        for (int k = 0; k < 5_000; k++) {
            index.remove(k);
        }
        assertEquals(16_384, index.slotCount(), "it keeps its high-water mark");
        for (int k = 0; k < 262_144; k++) {
            index.put(k * 7919L, k);
        }
        assertEquals(524_288, index.slotCount(), "load 0.5 at capacity, as the fixed-size index had");
    }

    @Test
    void consecutiveKeysShareABlockOfFourSlots() {
        LongIntIndex index = new LongIntIndex(262_144);
        int sameBlock = 0;
        for (long p = 1_000; p < 1_400; p += 4) {
            int h = index.home(p);
            assertEquals(0, h & 3);
            for (int j = 1; j < 4; j++) {
                assertEquals(h + j, index.home(p + j), "pid " + (p + j));
            }
            if (index.home(p + 4) >> 2 == h >> 2) {
                sameBlock++;
            }
        }
        assertTrue(sameBlock < 5, "blocks are hashed apart: " + sameBlock + " of 100 followed their neighbour");
    }
}
