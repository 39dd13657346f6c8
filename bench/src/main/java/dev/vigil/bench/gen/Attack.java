package dev.vigil.bench.gen;

/**
 * One attack mixed into the stream, and what it truly was: its kind, the DESIGN.md category tag an
 * alert for it should carry, the container it ran in, and the event time of its first and last
 * events. Written to the truth file as one JSON line.
 */
public final class Attack {
    private final String kind;
    private final String tag;
    private final String containerId;
    private long firstRawtime = -1;
    private long lastRawtime = -1;
    private long events;
    private boolean complete;

    Attack(String kind, String tag, String containerId) {
        this.kind = kind;
        this.tag = tag;
        this.containerId = containerId;
    }

    void emitted(long rawtime) {
        if (firstRawtime < 0) {
            firstRawtime = rawtime;
        }
        lastRawtime = rawtime;
        events++;
    }

    void completed() {
        complete = true;
    }

    public String kind() {
        return kind;
    }

    public String tag() {
        return tag;
    }

    public String containerId() {
        return containerId;
    }

    public long firstRawtime() {
        return firstRawtime;
    }

    public long lastRawtime() {
        return lastRawtime;
    }

    public long events() {
        return events;
    }

    /** False when the stream ended before the attack's last event. */
    public boolean complete() {
        return complete;
    }

    String toJsonLine() {
        return "{\"kind\":\"" + kind + "\",\"tag\":\"" + tag + "\",\"container.id\":\"" + containerId
            + "\",\"first_rawtime\":" + firstRawtime + ",\"last_rawtime\":" + lastRawtime + ",\"events\":" + events
            + ",\"complete\":" + complete + "}";
    }
}
