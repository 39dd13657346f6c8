/**
 * The state stage: the process and container tables, and the enrichment that fills events from them.
 *
 * <p>In: decoded events (the Disruptor slot), on the pipeline thread; the runtimes' container
 * identities ({@code runtime.IdentitySource} updates), drained on the pipeline thread at the end of
 * each batch and inline when an event meets a container not yet identified. Out: the same slot with
 * process and container fields filled (the runtime's identity over the producer's; its labels as the
 * slot's {@code ContainerMeta}), the derived {@code container.live_procs} and
 * {@code container.pids_usage} set, and {@code proc.is_container_setup} (the runtime's set-up of a
 * container told from the workload by the process's history: where it was before it was seen inside,
 * its parent, its hand-over exec; the reasoning and what it cannot be told are in
 * {@code ProcessLifecycle}); {@code IdentitySource.request} for a container met unresolved
 * (once, then at most every few seconds); and, from {@code StateEnricher.pollPidsEvents},
 * synthesized {@code pids_max_hit} events.
 *
 * <p>{@code StateEnricher} is the face; one class per job behind it: {@code ProcSeeder} (the table
 * from /proc at start), {@code ProcLoader} (one /proc/PID into an entry, budgeted),
 * {@code ProcessLifecycle} (clone/exec/exit into the process table; a process's /proc cgroup wins
 * over a wire {@code container.id}), {@code ContainerLinks} (process → container, live counts),
 * {@code ContainerIdentities} (identity updates → container table), {@code EventFiller} (tables →
 * slot) and {@code PidsEventsPoller} ({@code pids.events} → {@code pids_max_hit}).
 *
 * <p>Threading: pipeline thread only, after a seeding before the pipeline starts. Reads /proc and the
 * cgroup tree (bounded: a per-second budget for unknown pids, {@code pids.events} once a second);
 * steady-state enrichment allocates nothing, takes no lock and logs nothing.
 */
package dev.vigil.state;
