package dev.vigil.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.vigil.alert.AlertEmitter;
import dev.vigil.config.PipelineConfig;
import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.rules.Matcher;
import dev.vigil.state.Enricher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The wiring of the ring: preallocated {@link Event} slots, one publisher ({@link RingPublisher}),
 * and the stages ({@link StageHandler}) on one consumer thread, {@code vigil-pipeline}, which also
 * decodes the lines the publisher leaves it ({@link DeferredDecoder}).
 *
 * <p>Life cycle: {@link #start()}, then {@link #drain(Duration)} at shutdown, which waits until
 * every published event has gone through the stages.
 */
public final class EventPipeline implements AutoCloseable {
    private final Disruptor<Event> disruptor;
    private final RingBuffer<Event> ring;
    private final RingPublisher publisher;
    private final PipelineMetrics metrics;
    private boolean started;
    private boolean drained;

    public EventPipeline(PipelineConfig config, Enricher enricher, Matcher matcher, AlertEmitter emitter,
                         IngestMetrics ingestMetrics, PipelineMetrics pipelineMetrics, MeterRegistry registry) {
        this(config, enricher, matcher, emitter, BatchEndTask.NONE, ingestMetrics, pipelineMetrics, registry);
    }

    public EventPipeline(PipelineConfig config, Enricher enricher, Matcher matcher, AlertEmitter emitter,
                         BatchEndTask batchEndTask, IngestMetrics ingestMetrics, PipelineMetrics pipelineMetrics,
                         MeterRegistry registry) {
        this(config, enricher, matcher, emitter, batchEndTask, new PipelineClock(), ingestMetrics, pipelineMetrics,
            registry);
    }

    /**
     * {@code clock}: the time the stages read, advanced by the pipeline thread; give the enricher and the
     * rules the same one ({@link PipelineClock}).
     */
    public EventPipeline(PipelineConfig config, Enricher enricher, Matcher matcher, AlertEmitter emitter,
                         BatchEndTask batchEndTask, PipelineClock clock, IngestMetrics ingestMetrics,
                         PipelineMetrics pipelineMetrics, MeterRegistry registry) {
        this.metrics = pipelineMetrics;
        this.disruptor = new Disruptor<>(Event::new, config.ringSize(), r -> {
            Thread t = new Thread(r, "vigil-pipeline");
            t.setDaemon(true);
            return t;
        }, ProducerType.SINGLE, waitStrategy(config.waitStrategy()));
        disruptor.setDefaultExceptionHandler(new CountingExceptionHandler(pipelineMetrics));
        disruptor.handleEventsWith(new StageHandler(new DeferredDecoder(new EventDecoder(), ingestMetrics),
            enricher, matcher, emitter, pipelineMetrics, batchEndTask, clock));
        this.ring = disruptor.getRingBuffer();
        this.publisher = new RingPublisher(ring, config.backpressure(), true, ingestMetrics, pipelineMetrics);
        Gauge.builder("vigil.ring.remaining", ring, RingBuffer::remainingCapacity)
            .description("Free slots in the ring").register(registry);
    }

    static WaitStrategy waitStrategy(PipelineConfig.WaitStrategyName name) {
        return switch (name) {
            // Spin briefly (an event is likely within µs under load), yield while the gap is short,
            // then park until the publisher unparks it (or 200 µs doubling to 100 ms pass): an idle
            // node costs ~10 wake-ups a second, an event after a pause one wake-up.
            case adaptive -> new SpinYieldParkWaitStrategy();
            case sleeping -> new SleepingWaitStrategy();
            case yielding -> new YieldingWaitStrategy();
            case blocking -> new BlockingWaitStrategy();
            case busyspin -> new BusySpinWaitStrategy();
        };
    }

    public void start() {
        disruptor.start();
        started = true;
    }

    /** Where lines go in; one publishing thread. */
    public RingPublisher publisher() {
        return publisher;
    }

    /** Events published but not yet through the stages. */
    public long backlog() {
        return ring.getCursor() - ring.getMinimumGatingSequence();
    }

    /** The consumer's position: it advances as events go through the stages. */
    public long consumedSequence() {
        return ring.getMinimumGatingSequence();
    }

    public long remainingCapacity() {
        return ring.remainingCapacity();
    }

    public PipelineMetrics metrics() {
        return metrics;
    }

    /**
     * Waits until every published event has been through the stages, then stops the consumer.
     * Call after the publisher has stopped. Returns false if the timeout passed first.
     */
    public boolean drain(Duration timeout) {
        if (!started || drained) {
            return true;
        }
        // Disruptor's shutdown() waits only for consumers already running: right after start() the
        // consumer thread may not be, and it would be halted with events still in the ring. The
        // consumer's gating sequence exists from construction, so wait on it first.
        long deadline = System.nanoTime() + timeout.toNanos();
        while (backlog() > 0) {
            if (System.nanoTime() - deadline > 0) {
                disruptor.halt();
                drained = true;
                return false;
            }
            LockSupport.parkNanos(50_000);
        }
        try {
            disruptor.shutdown(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            drained = true;
            return true;
        } catch (TimeoutException e) {
            disruptor.halt();
            drained = true;
            return false;
        }
    }

    @Override
    public void close() {
        drain(Duration.ofSeconds(10));
    }
}
