package dev.vigil.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SocketCeilingTest {
    @Test
    void countsEveryNewlineWhateverTheBytesBesideIt() {
        Random r = new Random(3);
        ByteBuffer buf = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
        byte[] nasty = {'\n', 0x0B, 0x09, (byte) 0x8A, (byte) 0x80, 0, (byte) 0xFF, 0x0A};
        for (int round = 0; round < 2_000; round++) {
            int n = r.nextInt(4097);
            long expected = 0;
            for (int i = 0; i < n; i++) {
                // newlines beside their neighbours in value (a lane's borrow would miscount them)
                byte b = r.nextInt(4) == 0 ? nasty[r.nextInt(nasty.length)] : (byte) r.nextInt(256);
                buf.put(i, b);
                if (b == '\n') {
                    expected++;
                }
            }
            assertEquals(expected, SocketCeiling.countNewlines(buf, n), "round " + round + ", " + n + " bytes");
        }
    }
}
