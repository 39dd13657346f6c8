package dev.vigil.alert;

/** Where the rules stage hands the alerts it raises. Called on the pipeline thread. */
@FunctionalInterface
public interface AlertEmitter {
    void emit(Alert alert);
}
