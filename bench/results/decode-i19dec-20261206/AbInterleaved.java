import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Arrays;
import java.util.function.LongUnaryOperator;

/**
 * Interleaved A/B of the churny decode: two benchmarks.jar builds' EventDecoder in one JVM (a class
 * loader each, with AbDriver compiled against either into DRIVER_DIR), alternating 200k-line slices
 * of ChurnStream's lines into a ring of 2048 slots after a warm-up; prints each side's median and min
 * ns/line and the median (and quartiles) of the per-round ratio B/A. Order alternates within a round.
 * Usage: java -cp . AbInterleaved A.jar B.jar ROUNDS   (-Dab.driver=DRIVER_DIR, default ./drv/)
 */
public class AbInterleaved {
    public static void main(String[] a) throws Exception {
        String jarA = a[0], jarB = a[1];
        int rounds = Integer.parseInt(a[2]);
        URL drv = new File(System.getProperty("ab.driver", "drv/")).toURI().toURL();
        LongUnaryOperator[] ops = new LongUnaryOperator[2];
        byte[] bytes = null;
        int[] starts = null;
        for (int v = 0; v < 2; v++) {
            URLClassLoader l = new URLClassLoader(new URL[] {drv, new File(v == 0 ? jarA : jarB).toURI().toURL()},
                ClassLoader.getPlatformClassLoader());
            if (bytes == null) {
                Method g = l.loadClass("dev.vigil.bench.load.ChurnStream").getDeclaredMethod("generate", int.class, long.class);
                g.setAccessible(true);
                Object r = g.invoke(null, 16384, 1L);
                Method bm = r.getClass().getDeclaredMethod("bytes");
                bm.setAccessible(true);
                bytes = (byte[]) bm.invoke(r);
                int n = 0;
                for (byte x : bytes) if (x == '\n') n++;
                starts = new int[n + 1];
                int line = 0;
                for (int i = 0; i < bytes.length; i++) if (bytes[i] == '\n') starts[++line] = i + 1;
            }
            ops[v] = (LongUnaryOperator) l.loadClass("abdrv.AbDriver").getConstructor(byte[].class, int[].class).newInstance(bytes, starts);
        }
        final long slice = 200_000;
        for (int w = 0; w < 40; w++) { ops[0].applyAsLong(slice); ops[1].applyAsLong(slice); }
        double[] ta = new double[rounds], tb = new double[rounds], ratio = new double[rounds];
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int v = (r + k) % 2;
                long t0 = System.nanoTime();
                sink += ops[v].applyAsLong(slice);
                double ns = (System.nanoTime() - t0) / (double) slice;
                if (v == 0) ta[r] = ns; else tb[r] = ns;
            }
            ratio[r] = tb[r] / ta[r];
        }
        Arrays.sort(ta); Arrays.sort(tb); Arrays.sort(ratio);
        System.out.printf("A %s: median %.1f ns/line, min %.1f%nB %s: median %.1f ns/line, min %.1f%nB/A per round: median %.3f, quartiles %.3f .. %.3f (%d rounds) %d%n",
            jarA, ta[rounds / 2], ta[0], jarB, tb[rounds / 2], tb[0], ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4], rounds, sink % 7);
    }
}
