import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A/B in one JVM: EventDecoder from two builds (each in its own class loader) decode the same lines,
 * in alternating slices; thread CPU time per line for each (robust to a loaded machine's run queue).
 */
public class AbCpu {
    static int SLOTS;
    public static void main(String[] args) throws Exception {
        String[] jars = {args[0], args[1]};
        String mode = args[2];            // socket | mix
        int rounds = Integer.parseInt(args[3]);
        SLOTS = Integer.parseInt(args[4]);
        ClassLoader[] loaders = new ClassLoader[2];
        Object[] decoders = new Object[2], slots = new Object[2];
        Method[] decode = new Method[2];
        for (int i = 0; i < 2; i++) {
            loaders[i] = new URLClassLoader(urls(jars[i]), ClassLoader.getPlatformClassLoader());
            decode[i] = loaders[i].loadClass("AbDriver").getMethod("run", byte[][].class, int.class, int.class);
        }
        byte[][] lines = lines(loaders[0], mode);
        // Each side through a tight loop compiled for it: a small driver class per loader would be best;
        // reflection per line costs the same on both sides, so a batch per call keeps it out of the ratio.
        Runner[] run = {new Runner(decode[0]), new Runner(decode[1])};
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] cpu = new long[2], n = new long[2];
        List<double[]> perRound = new ArrayList<>();
        for (int r = -5; r < rounds; r++) {
            double[] x = new double[2];
            for (int k = 0; k < 2; k++) {
                int i = (r & 1) == 0 ? k : 1 - k;
                long c0 = mx.getCurrentThreadCpuTime();
                long done = run[i].run(lines, 400_000);
                long c1 = mx.getCurrentThreadCpuTime();
                x[i] = (c1 - c0) / (double) done;
                if (r >= 0) { cpu[i] += c1 - c0; n[i] += done; }
            }
            if (r >= 0) perRound.add(x);
        }
        double[] a = perRound.stream().mapToDouble(v -> v[0]).sorted().toArray();
        double[] b = perRound.stream().mapToDouble(v -> v[1]).sorted().toArray();
        double[] ratio = perRound.stream().mapToDouble(v -> v[1] / v[0]).sorted().toArray();
        System.out.printf("%s, %d slots: A %s  median %.1f ns/line CPU | B %s  median %.1f | B/A median %.3f (IQR %.3f-%.3f), %d rounds%n",
            mode, SLOTS, Path.of(jars[0]).getFileName(), a[a.length / 2], Path.of(jars[1]).getFileName(), b[b.length / 2],
            ratio[ratio.length / 2], ratio[ratio.length / 4], ratio[3 * ratio.length / 4], rounds);
    }

    static final class Runner {
        final Method m;
        Runner(Method m) { this.m = m; }
        long run(byte[][] lines, int count) throws Exception {
            return (Long) m.invoke(null, lines, count, SLOTS);
        }
    }

    static URL[] urls(String spec) throws Exception {
        List<URL> u = new ArrayList<>();
        u.add(Path.of("/tmp/i19v/abcpu/drv/out/").toUri().toURL());
        for (String p : spec.split(":")) u.add(Path.of(p).toUri().toURL());
        return u.toArray(new URL[0]);
    }

    static byte[][] lines(ClassLoader l, String mode) throws Exception {
        if (mode.startsWith("file:")) {
            List<byte[]> ls = new ArrayList<>();
            byte[] all = java.nio.file.Files.readAllBytes(Path.of(mode.substring(5)));
            for (int from = 0, i = 0; i < all.length; i++) {
                if (all[i] == '\n') { ls.add(Arrays.copyOfRange(all, from, i + 1)); from = i + 1; }
            }
            return ls.subList(0, Integer.highestOneBit(ls.size())).toArray(new byte[0][]);
        }
        if (mode.equals("socket")) {
            Class<?> s = l.loadClass("dev.vigil.bench.SampleEvents");
            Object sock = s.getField("SOCKET").get(null);
            Method line = Arrays.stream(s.getMethods()).filter(mm -> mm.getName().equals("line") && mm.getParameterCount() == 1).findFirst().get();
            return new byte[][] {(byte[]) line.invoke(null, sock)};
        }
        Class<?> g = l.loadClass("dev.vigil.bench.gen.NodeStreamGenerator");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long min = g.getField("MIN_EVENTS").getLong(null);
        g.getMethod("generate", long.class, long.class, double.class, java.io.OutputStream.class).invoke(null, min, 1L, 100_000.0, out);
        byte[] all = out.toByteArray();
        byte[][] lines = new byte[8192][];
        int from = all.length / 2;
        while (all[from - 1] != '\n') from++;
        for (int i = 0; i < lines.length; i++) {
            int end = from;
            while (all[end] != '\n') end++;
            lines[i] = Arrays.copyOfRange(all, from, end + 1);
            from = end + 1;
        }
        return lines;
    }
}
