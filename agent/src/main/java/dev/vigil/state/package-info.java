/**
 * The state stage: the process and container tables and the enricher that fills events from them.
 *
 * <p>In: decoded events (the Disruptor slot), on the pipeline thread. Out: the same slot with
 * process and container fields filled and the derived {@code container.live_procs} and
 * {@code container.pids_usage} set; and, from {@code StateEnricher.pollPidsEvents}, synthesized
 * {@code pids_max_hit} events. Reads /proc and the cgroup tree (bounded, see {@code StateEnricher}).
 */
package dev.vigil.state;
