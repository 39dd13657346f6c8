package dev.vigil.sharing;

import dev.vigil.config.SharedBaselinesConfig;
import dev.vigil.output.DiskSpool;
import dev.vigil.output.KafkaClients;
import dev.vigil.output.KafkaTarget;
import dev.vigil.rules.BaselineStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's baselines for one agent ({@code rules.sharedBaselines}): at {@link #start}, before the
 * pipeline runs, makes sure the compacted topic exists, reads it into the {@link BaselineStore} (bounded
 * by {@code loadTimeoutMillis}), takes the cluster's learning period start from it (or, for the cluster's
 * first agent, publishes this node's), publishes every tuple this node learned that the topic lacks (after
 * an outage, a crash), then follows the topic and publishes each tuple the store learns from now on.
 * Records received after the start reach the store only through {@link #drainInbox}, on the pipeline
 * thread: the store keeps one writer.
 *
 * <p>Kafka away: the agent runs per node as without sharing; what it learns waits in the spool
 * ({@code <spoolDir>/baselines}) and is published when the brokers are back; all counted
 * ({@code vigil.baselines.shared.*}).
 *
 * <p>Threading: {@link #start} and {@link #close} on the agent's main thread; {@link #drainInbox} on the
 * pipeline thread.
 */
public final class SharedBaselines implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedBaselines.class);
    /** Received records applied per batch end, so the pipeline thread never stalls behind a backlog. */
    static final int DRAIN_PER_BATCH = 1_000;

    private final BaselineStore store;
    private final String node;
    private final Clock clock;
    private final SharingMetrics metrics;
    private final BaselinePublisher publisher;
    private final BaselineFollower follower;
    /** Start thread, then pipeline thread (after the follower starts; Thread.start orders them). */
    private boolean sawWindow;

    private SharedBaselines(BaselineStore store, String node, Clock clock, SharingMetrics metrics,
                            BaselinePublisher publisher, BaselineFollower follower) {
        this.store = store;
        this.node = node;
        this.clock = clock;
        this.metrics = metrics;
        this.publisher = publisher;
        this.follower = follower;
    }

    /**
     * Connects, loads, reconciles and starts following; returns the running sharing. Never fails for
     * Kafka being away (that is logged and counted); throws IOException only when the spool cannot be opened.
     *
     * @param node     this node's name, recorded in what it publishes (the store's {@code where})
     * @param spoolDir the agent's spool directory; the publisher's spool is its {@code baselines} sub-directory
     */
    public static SharedBaselines start(SharedBaselinesConfig c, BaselineStore store, String node, Path spoolDir,
                                        Clock clock, MeterRegistry registry) throws IOException {
        KafkaTarget target = KafkaTarget.parse(c.url(), "rules.sharedBaselines.url");
        SharingMetrics metrics = new SharingMetrics(registry);
        long started = System.nanoTime();
        Duration bound = Duration.ofMillis(c.loadTimeoutMillis());
        ensureTopic(c, target, bound);
        Properties pp = KafkaClients.producer(target.brokers(), c.properties(), c.caFile(), c.connectTimeoutMillis(),
            c.requestTimeoutMillis(), "vigil-baselines-" + node);
        Properties cp = KafkaClients.assignedConsumer(target.brokers(), c.properties(), c.caFile(),
            c.requestTimeoutMillis(), "vigil-baselines-" + node);
        cp.put("max.poll.records", Integer.toString(BaselineFollower.MAX_POLL_RECORDS));
        // The clients first: they refuse bad properties when made, before the spool is locked.
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp);
        KafkaConsumer<String, byte[]> consumer;
        DiskSpool spool;
        try {
            consumer = new KafkaConsumer<>(cp);
        } catch (KafkaException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        try {
            spool = new DiskSpool(spoolDir.resolve("baselines"), c.spoolMaxBytes(), 16L * 1024 * 1024);
        } catch (IOException e) {
            producer.close(Duration.ZERO);
            consumer.close();
            throw e;
        }
        BaselinePublisher publisher = new BaselinePublisher(producer, target.topic(), spool, c.queueCapacity(), metrics);
        BaselineFollower follower = new BaselineFollower(consumer, target.topic(), c.queueCapacity(), metrics);
        metrics.spooled(registry, publisher::spooled);
        metrics.inbox(registry, follower::inboxSize);
        SharedBaselines s = new SharedBaselines(store, node, clock, metrics, publisher, follower);
        s.begin(bound.minusNanos(System.nanoTime() - started));
        return s;
    }

    /**
     * Creates the topic, compacted, if it is missing, trying until {@code bound} passes (a broker that has
     * just started assigns no node for a while); a refusal (no Create ACL) or the bound is only logged.
     */
    private static void ensureTopic(SharedBaselinesConfig c, KafkaTarget target, Duration bound) {
        Properties ap = KafkaClients.admin(target.brokers(), c.properties(), c.caFile(), c.requestTimeoutMillis(),
            "vigil-baselines-admin");
        long deadline = System.nanoTime() + bound.toNanos();
        try (Admin admin = Admin.create(ap)) {
            while (true) {
                NewTopic t = new NewTopic(target.topic(), Optional.empty(), Optional.empty())
                    .configs(Map.of("cleanup.policy", "compact"));
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                try {
                    admin.createTopics(List.of(t)).all().get(Math.min(left, c.requestTimeoutMillis()), TimeUnit.MILLISECONDS);
                    LOG.info("shared baselines: created the compacted topic {}", target.topic());
                    return;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        warnUnlessCompacted(admin, target.topic(), c.requestTimeoutMillis());
                        return;
                    }
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.RetriableException)
                        || System.nanoTime() - deadline >= 0) {
                        LOG.warn("shared baselines: cannot create topic {} ({}); create it compacted "
                            + "(docs/shared-baselines.md)", target.topic(), e.getCause().toString());
                        return;
                    }
                } catch (TimeoutException e) {
                    if (System.nanoTime() - deadline >= 0) {
                        LOG.warn("shared baselines: brokers {} not reachable at start; learning per node until they are",
                            target.brokers());
                        return;
                    }
                }
                Thread.sleep(200);
            }
        } catch (KafkaException e) {
            LOG.warn("shared baselines: cannot reach brokers {} at start ({}); learning per node until they are",
                target.brokers(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A topic made by a broker's auto-creation (or by hand) with the {@code delete} policy would expire what
     * the cluster learned: say so. A principal without DescribeConfigs is not told.
     */
    private static void warnUnlessCompacted(Admin admin, String topic, int timeoutMillis) {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config config = admin.describeConfigs(List.of(r)).all().get(timeoutMillis, TimeUnit.MILLISECONDS).get(r);
            ConfigEntry policy = config == null ? null : config.get("cleanup.policy");
            if (policy != null && !policy.value().contains("compact")) {
                LOG.warn("shared baselines: topic {} has cleanup.policy={}, not compact: what the cluster learned "
                    + "expires with its retention (docs/shared-baselines.md)", topic, policy.value());
            }
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            LOG.debug("shared baselines: cannot read topic {}'s config: {}", topic, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void begin(Duration loadBound) {
        Set<String> inTopic = new HashSet<>();
        BaselineFollower.Load load = follower.load(loadBound, r -> {
            apply(r);
            if (r instanceof SharedRecord.Tuple) {
                inTopic.add(r.key());
            }
        });
        LOG.info("shared baselines: {} records read in {} ms{}", load.records(), load.millis(),
            load.complete() ? "" : " (not to the end: the rest follows)");
        if (load.complete() && !sawWindow) {
            // The cluster's first agent: its period (begun now, or in an earlier per-node run) is the cluster's.
            store.startLearning(nowNanos());
            long start = store.learnStart();
            if (start != BaselineStore.LEARNING_FORFEITED) {
                publisher.offer(new SharedRecord.Window(start, node));
            }
        }
        int republished = 0;
        for (BaselineStore.OwnTuple t : store.ownTuples(node)) {
            SharedRecord.Tuple r = new SharedRecord.Tuple(t.rule(), t.scope(), t.tuple(), node, t.atNanos(), t.alerted());
            if (!inTopic.contains(r.key())) {
                publisher.spoolNow(r);
                republished++;
            }
        }
        if (republished > 0) {
            LOG.info("shared baselines: {} tuples learned here and not in the topic are spooled to publish", republished);
        }
        store.onLearned((rule, scope, tuple, at, alerted) ->
            publisher.offer(new SharedRecord.Tuple(rule, scope, tuple, node, at, alerted)));
        publisher.start();
        follower.follow();
    }

    private long nowNanos() {
        Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private void apply(SharedRecord r) {
        if (r instanceof SharedRecord.Window) {
            sawWindow = true;
        }
        apply(r, store, metrics, nowNanos());
    }

    /** One record into {@code store}: a tuple becomes known, a period start is taken (the earlier); counted. */
    static void apply(SharedRecord r, BaselineStore store, SharingMetrics metrics, long nowNanos) {
        if (r instanceof SharedRecord.Window w) {
            store.adoptLearnStart(w.startNanos());
            metrics.received(SharingMetrics.Received.window);
        } else if (r instanceof SharedRecord.Tuple t) {
            BaselineStore.Applied a = store.applyShared(t.rule(), t.scope(), t.tuple(), t.atNanos(), t.node(),
                t.alerted(), nowNanos);
            metrics.received(switch (a) {
                case LEARNED -> SharingMetrics.Received.learned;
                case KNOWN -> SharingMetrics.Received.known;
                case CAPPED -> SharingMetrics.Received.capped;
            });
        }
    }

    /** Applies records received since the last call (at most {@value #DRAIN_PER_BATCH}). Pipeline thread. */
    public void drainInbox() {
        follower.drain(this::apply, DRAIN_PER_BATCH);
    }

    /** Stops following and publishing; what is not yet published stays spooled for the next start. */
    public void close(Duration deadline) {
        store.onLearned(BaselineStore.LearnedListener.NONE);
        follower.close();
        publisher.close(deadline);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
