package dev.vigil.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
