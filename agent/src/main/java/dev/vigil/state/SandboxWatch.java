package dev.vigil.state;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import dev.vigil.runtime.ContainerIdentity;
import io.micrometer.core.instrument.Clock;
import java.util.function.Consumer;

/**
 * Each container's sandbox, watched: when to read it, and what the answers become.
 * <ul>
 * <li>Once per container, at its workload's first event ({@code proc.is_container_setup} false: the
 *     hand-over exec of a container the agent saw start; any event of one already running), within the
 *     /proc read budget, its sandbox is asked of the {@link SandboxProber} (read off this thread). A
 *     process gone before the read is asked again at the container's next workload event.</li>
 * <li>Once read, the facts sit in the container table ({@code container.seccomp}, … on every event of
 *     the container), count in the gauges, and, when they make findings, one {@code container_posture}
 *     event is synthesized for the rules: {@code evt.arg.findings} (all), {@code evt.arg.alert} (those that
 *     alert: by default or by {@code posture.alertOn}).</li>
 * <li>A process put into a container whose sandbox is known (its hand-over exec after it entered from
 *     outside: {@code runc exec}, {@code docker exec}, {@code kubectl exec}) is read too; when it has less
 *     sandbox than the workload (seccomp off where the workload has a filter, unconfined where the
 *     workload is confined, capabilities beyond the workload's bounding set), a {@code container_posture}
 *     event with the finding {@code privileged_exec} and {@code evt.arg.weaker} saying how. An exec that
 *     comes while the workload's read is still out is read too, and compared once the workload's answer
 *     (asked first, so applied first) is in.</li>
 * </ul>
 *
 * <p>Threading: pipeline thread only. Allocates only when it asks or answers (once per container start
 * or exec into a container); an event of a container already read costs one reference.
 */
final class SandboxWatch {
    static final String ARG_FINDINGS = "evt.arg.findings";
    static final String ARG_ALERT = "evt.arg.alert";
    static final String ARG_WEAKER = "evt.arg.weaker";

    private final ContainerTable containers;
    private final ProcessTable processes;
    private final ProcReadBudget budget;
    private final EventFiller filler;
    private final StateMetrics metrics;
    private final Clock clock;
    private SandboxProber prober;
    /**
     * Asks the /proc budget refused since the last {@link #drain}, added to the {@code limited} count there:
     * while the budget is spent every workload event of an unread container asks again, and a meter update
     * per event cost ~4 % of the pipeline thread on a churny stream.
     */
    private long limitedUncounted;

    SandboxWatch(ContainerTable containers, ProcessTable processes, ProcReadBudget budget, EventFiller filler,
                 StateMetrics metrics, Clock clock) {
        this.containers = containers;
        this.processes = processes;
        this.budget = budget;
        this.filler = filler;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Starts reading sandboxes (off until then: replay never reads this node's /proc). */
    void enable(SandboxProber prober) {
        this.prober = prober;
    }

    /** On an event of process entry {@code e} (pid {@code pid}) in container entry {@code c}, after it is filled. */
    void onEvent(int c, int e, Event ev, int pid, boolean handedOver, long nowNanos) {
        ContainerTable ct = containers;
        SandboxFacts known = ct.sandbox[c];
        if (known != null) {
            ev.setSandbox(known);
        }
        if (prober == null || processes.setup[e] != ProcessTable.WORKLOAD) {
            return;
        }
        byte state = ct.sandboxState[c];
        if (state == ContainerTable.SANDBOX_UNREAD) {
            if (ask(c, pid, false, nowNanos)) {
                ct.sandboxState[c] = ContainerTable.SANDBOX_ASKED;
            }
        } else if (handedOver && (state == ContainerTable.SANDBOX_ASKED || known != null)) {
            // asked while the workload's read is still out too: the answers come back in the order asked
            // (one reader thread, one queue), so the workload's is applied before the exec's is compared
            ask(c, pid, true, nowNanos);
        }
    }

    private boolean ask(int c, int pid, boolean exec, long nowNanos) {
        if (!budget.tryAcquire(nowNanos)) {
            limitedUncounted++;
            return false;
        }
        if (!prober.request(containers.key[c], pid, exec)) {
            metrics.sandboxRead(StateMetrics.READ_REFUSED);
            return false;
        }
        return true;
    }

    /**
     * Applies the answers read since the last call (between batches) and counts the asks the budget refused
     * meanwhile; each answer that makes findings fills {@code slot} with a {@code container_posture} event and
     * hands it to {@code sink} (the slot is reused: the sink must not keep it). Returns the number of events.
     */
    int drain(Event slot, Consumer<Event> sink) {
        if (prober == null) {
            return 0;
        }
        if (limitedUncounted > 0) {
            metrics.sandboxReadsLimited(limitedUncounted);
            limitedUncounted = 0;
        }
        int n = 0;
        SandboxProber.Answer a;
        while ((a = prober.poll()) != null) {
            metrics.sandboxRead(a.result() == SandboxReader.Result.OK ? StateMetrics.READ_OK
                : a.result() == SandboxReader.Result.VANISHED ? StateMetrics.READ_VANISHED : StateMetrics.READ_FAILED);
            int c = containers.find(a.containerKey());
            if (c < 0) {
                continue; // the container left meanwhile
            }
            if (a.exec()) {
                n += checkExec(c, a, slot, sink);
            } else {
                n += applyWorkload(c, a, slot, sink);
            }
        }
        return n;
    }

    private int applyWorkload(int c, SandboxProber.Answer a, Event slot, Consumer<Event> sink) {
        ContainerTable ct = containers;
        if (ct.sandboxState[c] != ContainerTable.SANDBOX_ASKED) {
            return 0;
        }
        if (a.result() == SandboxReader.Result.VANISHED) {
            ct.sandboxState[c] = ContainerTable.SANDBOX_UNREAD; // a short-lived process: the next one is read
            return 0;
        }
        ct.sandboxState[c] = ContainerTable.SANDBOX_DONE; // unreadable: not asked again and again
        if (a.result() != SandboxReader.Result.OK) {
            return 0;
        }
        SandboxFacts f = a.facts();
        ct.setSandbox(c, f);
        if (f.findings.isEmpty()) {
            return 0;
        }
        fill(slot, c, a.pid(), f, f.sandboxField("container.posture.findings"), alertText(f), null);
        sink.accept(slot);
        return 1;
    }

    private int checkExec(int c, SandboxProber.Answer a, Event slot, Consumer<Event> sink) {
        SandboxFacts workload = containers.sandbox[c];
        if (a.result() != SandboxReader.Result.OK || workload == null) {
            return 0;
        }
        String weaker = weaker(workload, a.facts());
        if (weaker == null) {
            return 0;
        }
        metrics.privilegedExec();
        String finding = SandboxFinding.PRIVILEGED_EXEC.label();
        fill(slot, c, a.pid(), a.facts(), finding, finding, weaker);
        slot.setSandbox(workload);
        sink.accept(slot);
        return 1;
    }

    /** How {@code exec} has less sandbox than {@code workload}, or null when it has not. */
    static String weaker(SandboxFacts workload, SandboxFacts exec) {
        StringBuilder sb = new StringBuilder();
        if (exec.seccomp != null && exec.seccomp.equals("disabled") && workload.seccomp != null
            && !workload.seccomp.equals("disabled")) {
            sb.append("seccomp disabled (workload: ").append(workload.seccomp).append(')');
        }
        long extra = exec.capEffective & ~workload.capBounding;
        if (extra != 0) {
            sb.append(sb.length() > 0 ? "; " : "").append("capabilities beyond the workload's: ")
                .append(Capabilities.names(extra));
        }
        if (workload.lsmProfile != null && !SandboxFacts.isUnconfined(workload.lsmProfile)
            && exec.lsmProfile != null && SandboxFacts.isUnconfined(exec.lsmProfile)) {
            sb.append(sb.length() > 0 ? "; " : "").append("LSM unconfined (workload: ").append(workload.lsmProfile)
                .append(')');
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    private static String alertText(SandboxFacts f) {
        StringBuilder sb = new StringBuilder();
        for (SandboxFinding x : f.alerting) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(x.label());
        }
        return sb.toString();
    }

    private void fill(Event slot, int c, int pid, SandboxFacts f, String findings, String alert, String weaker) {
        ContainerTable ct = containers;
        slot.clear();
        slot.setText(Field.EVT_TYPE, "container_posture");
        slot.setEventType(EventTypes.CONTAINER_POSTURE);
        slot.setLong(Field.EVT_RAWTIME, clock.wallTime() * 1_000_000L);
        slot.setLong(Field.PROC_PID, pid);
        int e = processes.find(pid);
        if (e >= 0) {
            filler.fillProcess(e, slot);
        }
        slot.setLong(Field.USER_UID, f.uid);
        filler.writeContainerId(c, slot);
        ContainerIdentity id = ct.identity[c];
        if (id != null) {
            filler.fillIdentity(id, slot);
        }
        if (ct.privileged[c]) {
            slot.setBool(Field.CONTAINER_PRIVILEGED, true);
        }
        slot.setSandbox(f);
        addText(slot, ARG_FINDINGS, findings);
        addText(slot, ARG_ALERT, alert);
        if (weaker != null) {
            addText(slot, ARG_WEAKER, weaker);
        }
        slot.setReceiveNanos(clock.monotonicTime());
        slot.setValid(true);
    }

    private static void addText(Event slot, String name, String v) {
        char[] a = v.toCharArray();
        slot.addExtra(name, a, 0, a.length, dev.vigil.event.Chars.NOT_A_NUMBER);
    }
}
