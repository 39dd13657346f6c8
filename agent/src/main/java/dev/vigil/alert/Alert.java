package dev.vigil.alert;

import java.util.List;
import java.util.Map;

/**
 * One alert, in Falco's output format (DESIGN.md, Alerts out): what the rules stage produces and
 * every sink delivers. Immutable once built; safe to hand to other threads.
 *
 * @param uuid         unique id (random UUID)
 * @param timeNanos    the triggering event's time, ns since the epoch
 * @param outputFields every field named in the output, plus evt.rawtime, evt.type, proc.pid,
 *                     proc.name and container.id where known; values are String, Long or Boolean
 */
public record Alert(String uuid, long timeNanos, String rule, Priority priority, String source,
                    List<String> tags, String hostname, String output, Map<String, Object> outputFields) {
}
