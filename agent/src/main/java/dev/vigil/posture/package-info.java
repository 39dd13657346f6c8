/**
 * Posture: a scan of the node as it is now (processes under /proc and their pids cgroups), for the
 * {@code vigil posture} command. Reads files; not on the event path. Uses the state stage's /proc reader.
 */
package dev.vigil.posture;
