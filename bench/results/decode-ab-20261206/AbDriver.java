import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;

/** Loaded once per build's class loader: a plain loop over that build's decoder, into a ring of slots. */
public class AbDriver {
    private static final EventDecoder DECODER = new EventDecoder();
    private static Event[] slots;

    public static long run(byte[][] lines, int count, int slotCount) {
        if (slots == null || slots.length != slotCount) {
            slots = new Event[slotCount];
            for (int i = 0; i < slotCount; i++) {
                slots[i] = new Event();
            }
        }
        Event[] s = slots;
        long rejected = 0;
        for (int i = 0; i < count; i++) {
            byte[] l = lines[i & (lines.length - 1)];
            if (DECODER.decode(l, 0, l.length, s[i & (slotCount - 1)], 0L) != null) {
                rejected++;
            }
        }
        if (rejected != 0) {
            throw new IllegalStateException(rejected + " lines rejected");
        }
        return count;
    }
}
