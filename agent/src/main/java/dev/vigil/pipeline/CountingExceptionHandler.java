package dev.vigil.pipeline;

import com.lmax.disruptor.ExceptionHandler;
import dev.vigil.event.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces the Disruptor's default handler, which rethrows and so kills the consumer thread (the
 * ring then fills and the publisher parks forever). Here an escaped exception is counted, logged
 * and the consumer carries on with the next event.
 */
final class CountingExceptionHandler implements ExceptionHandler<Event> {
    private static final Logger log = LoggerFactory.getLogger(CountingExceptionHandler.class);
    private final PipelineMetrics metrics;

    CountingExceptionHandler(PipelineMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void handleEventException(Throwable ex, long sequence, Event event) {
        metrics.error();
        log.error("pipeline error at sequence {}", sequence, ex);
    }

    @Override
    public void handleOnStartException(Throwable ex) {
        log.error("pipeline stage failed to start", ex);
    }

    @Override
    public void handleOnShutdownException(Throwable ex) {
        log.error("pipeline stage failed to shut down", ex);
    }
}
