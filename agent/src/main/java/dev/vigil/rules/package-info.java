/**
 * The rules stage: Falco-format rule files, compiled once, matched against every event.
 *
 * <p>In: an {@link dev.vigil.event.Event} slot filled by the decoder and enriched by the state stage.
 * Out: {@link dev.vigil.alert.Alert}s handed to an {@link dev.vigil.alert.AlertEmitter}, on the
 * pipeline thread.
 *
 * <p>Flow (the front end split as Falco's rule loader is): {@link dev.vigil.rules.RulesetLoader} is
 * the face; {@code RuleFileReader} reads each file into items with their line numbers;
 * {@code RuleCollector} merges the items in order (define, append, override, enabled); {@code
 * RuleCompiler} parses each rule's condition ({@link dev.vigil.rules.ConditionParser} → {@link
 * dev.vigil.rules.Ast}), adds its exceptions, has {@code MacroResolver} expand macro and list
 * references, and compiles the result ({@link dev.vigil.rules.ConditionCompiler} → {@code Check}
 * trees over field ids, {@link dev.vigil.rules.EventTypeSet} for the type index) into a {@link
 * dev.vigil.rules.RuleEngine}.
 * {@link dev.vigil.rules.ReloadableMatcher} swaps engines on reload. Vigil's {@code aggregate} and
 * {@code baseline} keys are kept by {@code Aggregator} (per engine) and {@link
 * dev.vigil.rules.BaselineStore} (persistent, outlives reloads).
 *
 * <p>Threading: matching on one thread per engine; reload from any thread.
 */
package dev.vigil.rules;
