package dev.vigil.alert;

import java.util.Map;

/**
 * A decision the rules stage could not make when it matched, because it needs the container's
 * identity: a baseline rule scoped by an identity field (the image) whose match came before the
 * runtime described the container. The identity wait asks it once the alert's fields carry the
 * identity; the alert is sent only if it answers true. Called on the identity wait's thread, at most
 * once per alert; it must be thread-safe against the pipeline thread.
 */
@FunctionalInterface
public interface LateJudgement {
    /**
     * Whether the alert still fires, judged on its output fields with the identity filled in; a scope
     * field still missing there cannot be judged and fires.
     */
    boolean fires(Map<String, Object> outputFields);
}
