package dev.vigil.pipeline;

/**
 * Work the pipeline thread does between batches of events, such as polling the pids cgroups'
 * counters: on the pipeline thread, so it may touch the stages' tables without locks. It must be
 * cheap when it has nothing to do (it runs after every batch).
 */
@FunctionalInterface
public interface BatchEndTask {
    void onBatchEnd(long nowNanos);

    BatchEndTask NONE = now -> { };
}
