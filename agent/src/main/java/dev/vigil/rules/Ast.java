package dev.vigil.rules;

import java.util.List;

/**
 * The syntax tree of a condition, as {@link ConditionParser} builds it: immutable records. Macro and
 * list references are kept by name; {@link MacroResolver} inlines macros and expands lists.
 * Positions are 1-based line and column inside the condition text.
 */
public sealed interface Ast {

    record And(List<Ast> children) implements Ast {
    }

    record Or(List<Ast> children) implements Ast {
    }

    record Not(Ast child) implements Ast {
    }

    /** A bare identifier in a check position: a macro reference. */
    record MacroRef(String name, int line, int column) implements Ast {
    }

    /**
     * {@code field op value}. {@code modifier} is {@code oneof}/{@code anyof}/{@code allof} or null;
     * {@code value} is null for the unary {@code exists}.
     */
    record Compare(Value field, String op, String modifier, Operand value, int line, int column) implements Ast {
    }

    /** A value producer on either side of an operator: a field or a transformer over one. */
    sealed interface Value {
    }

    /** A field reference: {@code proc.aname[2]} has name {@code proc.aname} and arg {@code 2}. */
    record FieldRef(String name, String arg) implements Value {
        /** The name as written, with its argument: the key an extra carries on the wire. */
        public String fullName() {
            return arg == null ? name : name + "[" + arg + "]";
        }
    }

    /** {@code tolower(x)}, {@code basename(x)}, {@code len(x)}, … */
    record Transform(String function, Value inner) implements Ast.Value {
    }

    /** The right-hand side of an operator. */
    sealed interface Operand {
    }

    /** A single string or number; {@code quoted} when it was written between quotes. */
    record Scalar(String text, boolean quoted) implements Operand {
    }

    /** {@code (a, b, c)}: items and list references (bare names, resolved when compiling). */
    record ListValue(List<Scalar> items) implements Operand {
    }

    /** {@code val(field)} or a transformer on the right-hand side: compare with another field. */
    record FieldOperand(Value value) implements Operand {
    }
}
