/**
 * Shared baselines: what each node's {@code baseline} rules learn, published to a compacted Kafka topic
 * and read back by every agent, so that a node that joins the cluster starts with the cluster's baselines
 * and the cluster has one learning period (docs/shared-baselines.md).
 *
 * <p>In: the tuples the {@link dev.vigil.rules.BaselineStore} learns from what this node saw (its
 * {@link dev.vigil.rules.BaselineStore.LearnedListener}, on the pipeline thread), and the topic's records.
 * Out: the topic's records into the store — at start by the starting thread before the pipeline runs,
 * then by the pipeline thread alone, which drains a bounded inbox between batches — and this node's
 * tuples to the topic.
 *
 * <p>Threads: {@code vigil-baselines-publish} ({@link dev.vigil.sharing.BaselinePublisher}: memory
 * queue, disk spool, producer) and {@code vigil-baselines-follow} ({@link dev.vigil.sharing.BaselineFollower}:
 * the consumer). Records are {@link dev.vigil.sharing.SharedRecord}s.
 */
package dev.vigil.sharing;
