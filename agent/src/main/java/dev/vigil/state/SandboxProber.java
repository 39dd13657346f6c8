package dev.vigil.state;

import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads sandboxes off the pipeline thread: the pipeline thread asks ({@link #request}), a worker reads
 * {@code /proc/PID} with its own {@link SandboxReader}, and the answers wait in a queue until the pipeline
 * thread takes them ({@link #poll}) between batches. At most {@link #MAX_IN_FLIGHT} requests are
 * outstanding; beyond, a request is refused (the caller counts it and asks again later).
 *
 * <p>Threading: {@link #request} and {@link #poll} on the pipeline thread; the reads on the executor's
 * thread (one at a time: the reader is not thread-safe). The queue between them is lock-free.
 * Answers come in the order asked (the executor must run its tasks in order, on one thread, as
 * {@code vigil-sandbox} does): an exec's check relies on its container's workload answer coming first.
 */
final class SandboxProber {
    /** Requests outstanding at most: containers start a few a second; a burst past this is asked again. */
    static final int MAX_IN_FLIGHT = 256;

    /** One answer: the container and pid asked about, whether it was an exec's check, and what was read. */
    record Answer(long containerKey, int pid, boolean exec, SandboxReader.Result result, SandboxFacts facts) {
    }

    private final SandboxReader reader;
    private final Set<SandboxFinding> alertOn;
    private final Executor executor;
    private final Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * @param executor runs the reads: one thread in the agent ({@code vigil-sandbox}); the caller's, in tests
     */
    SandboxProber(SandboxReader reader, Set<SandboxFinding> alertOn, Executor executor) {
        this.reader = reader;
        this.alertOn = Set.copyOf(alertOn);
        this.executor = executor;
    }

    /** Asks for {@code pid}'s sandbox; false when too many are outstanding or the executor refused. */
    boolean request(long containerKey, int pid, boolean exec) {
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            return false;
        }
        try {
            executor.execute(() -> {
                SandboxReader.Result r;
                SandboxFacts f = null;
                try {
                    r = reader.read(pid, alertOn);
                    f = reader.facts();
                } catch (RuntimeException e) {
                    r = SandboxReader.Result.UNREADABLE;
                }
                answers.add(new Answer(containerKey, pid, exec, r, f));
            });
            return true;
        } catch (RejectedExecutionException e) {
            inFlight.decrementAndGet();
            return false;
        }
    }

    /** The next answer, or null. */
    Answer poll() {
        Answer a = answers.poll();
        if (a != null) {
            inFlight.decrementAndGet();
        }
        return a;
    }
}
