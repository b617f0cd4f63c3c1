"""Eligibility rules as boolean expressions, parsed safely and compiled to Ibis.

A rule is SQL-like text such as ``desil <= 4 AND (n_pregnant > 0 OR has_severe_disability)``.
It is parsed by sqlglot into a syntax tree, every node is checked against a whitelist (boolean
connectives, comparisons, ``IN``, ``BETWEEN``, ``IS NULL``, arithmetic, literals and a few
functions) and every column against the documented columns of the rule's unit. Nothing is ever
evaluated by Python: the checked tree is compiled to an Ibis expression that runs on the engine.
A value compared with a coded column must be one of its codes, so ``toilet = 'tidakada'`` fails
instead of silently matching nobody. SQL's three-valued logic applies; a rule that is null for a
unit (a missing value) counts as not met.

References
----------
DESIGN.md §2: eligibility rules are boolean expressions over documented columns, parsed safely
(sqlglot, whitelisting columns and functions), never Python ``eval``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import ibis
import sqlglot
from sqlglot import exp

from rpkd.errors import InvalidInput

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, Table, Value

ColumnTypes = Mapping[str, tuple[str, tuple[str, ...] | None]]
"""Allowed columns of a rule: name -> (dtype, code list or None)."""

_COMPARISONS: dict[type[exp.Expression], Callable[[Any, Any], Any]] = {
    exp.EQ: lambda a, b: a == b,
    exp.NEQ: lambda a, b: a != b,
    exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b,
    exp.LT: lambda a, b: a < b,
    exp.LTE: lambda a, b: a <= b,
}
_ARITHMETIC: dict[type[exp.Expression], Callable[[Any, Any], Any]] = {
    exp.Add: lambda a, b: a + b,
    exp.Sub: lambda a, b: a - b,
    exp.Mul: lambda a, b: a * b,
    exp.Div: lambda a, b: a / b,
}
FUNCTIONS: tuple[str, ...] = ("coalesce", "abs", "least", "greatest", "lower", "upper")
"""Functions a rule may call."""


@dataclass(frozen=True)
class Rule:
    """A checked rule: its name (programme or predicate), text, and the columns it reads."""

    name: str
    text: str
    columns: tuple[str, ...]
    tree: exp.Expression


def parse_rule(text: str, *, name: str, columns: ColumnTypes) -> Rule:
    """Return ``text`` parsed and checked; raise :class:`InvalidInput` naming what is wrong.

    Examples
    --------
    >>> cols = {"desil": ("int", None), "toilet": ("string", ("sendiri", "tidak_ada"))}
    >>> parse_rule("desil <= 4 AND toilet = 'tidak_ada'", name="x", columns=cols).columns
    ('desil', 'toilet')
    >>> parse_rule("income > 1", name="x", columns=cols)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rpkd.errors.InvalidInput: aturan 'x' (income > 1): kolom tidak dikenal 'income' ...
    """
    if not text or not text.strip():
        raise InvalidInput("rule_empty", param=name, rule=name)
    try:
        trees = [t for t in sqlglot.parse(text, read="duckdb") if t is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise InvalidInput(
            "rule_unparsable", param=name, rule=name, text=text, detail=str(exc)
        ) from None
    if len(trees) != 1:
        raise InvalidInput("rule_not_single", param=name, rule=name, text=text)
    tree = cast(exp.Expression, trees[0])
    used: list[str] = []
    for node in tree.walk():
        _check_node(cast(exp.Expression, node), name, text, columns, used)
    return Rule(name, text, tuple(dict.fromkeys(used)), tree)


def _check_node(
    node: exp.Expression, name: str, text: str, columns: ColumnTypes, used: list[str]
) -> None:
    allowed: tuple[type[exp.Expression], ...] = (
        exp.And, exp.Or, exp.Not, exp.Paren, exp.In, exp.Between, exp.Is, exp.Neg,
        exp.Literal, exp.Boolean, exp.Null, exp.Identifier, exp.Column,
        exp.Coalesce, exp.Abs, exp.Least, exp.Greatest, exp.Lower, exp.Upper,
        *_COMPARISONS, *_ARITHMETIC,
    )  # fmt: skip
    if isinstance(node, exp.Column):
        if node.table:
            raise InvalidInput(
                "rule_column_qualified", param=node.sql(), rule=name, text=text, column=node.sql()
            )
        column = node.name.lower()
        if column not in columns:
            raise InvalidInput(
                "rule_column_unknown", param=column, rule=name, text=text, column=column,
                known=sorted(columns),
            )  # fmt: skip
        used.append(column)
        return
    if isinstance(node, exp.Func) and not isinstance(node, allowed):
        function = node.sql(dialect="duckdb").split("(", 1)[0].lower()
        raise InvalidInput(
            "rule_function_forbidden", param=function, rule=name, text=text, function=function,
            allowed=FUNCTIONS,
        )  # fmt: skip
    if not isinstance(node, allowed):
        raise InvalidInput(
            "rule_form_forbidden", param=type(node).__name__, rule=name, text=text, form=node.sql()
        )
    if isinstance(node, exp.In) and (node.args.get("query") or node.args.get("unnest")):
        raise InvalidInput("rule_in_subquery", param="in", rule=name, text=text)
    if isinstance(node, exp.EQ | exp.NEQ | exp.In):
        _check_codes(node, name, text, columns)


def _check_codes(node: exp.Expression, name: str, text: str, columns: ColumnTypes) -> None:
    this = node.this
    if isinstance(node, exp.In):
        values = node.expressions
    else:
        values = [node.expression]
        if isinstance(node.expression, exp.Column):
            this, values = node.expression, [node.this]
    if not isinstance(this, exp.Column) or this.name.lower() not in columns:
        return
    codes = columns[this.name.lower()][1]
    if codes is None:
        return
    for value in values:
        if isinstance(value, exp.Literal) and value.is_string and value.this not in codes:
            raise InvalidInput(
                "rule_code_unknown", param=this.name.lower(), rule=name, text=text,
                value=value.this, column=this.name.lower(), codes=codes,
            )  # fmt: skip


def compile_rule(rule: Rule, table: Table) -> BooleanValue:
    """Return the rule as an Ibis boolean over ``table``; null (a missing value) becomes False."""
    try:
        value = _compile(rule.tree, table)
        if not value.type().is_boolean():
            raise InvalidInput("rule_not_boolean", param=rule.name, rule=rule.name, text=rule.text)
    except InvalidInput:
        raise
    except Exception as exc:  # Ibis type errors: comparing text with a number, etc.
        raise InvalidInput(
            "rule_type_mismatch", param=rule.name, rule=rule.name, text=rule.text, detail=str(exc)
        ) from None
    result: BooleanValue = value.fill_null(False)
    return result


def _literal(node: exp.Expression) -> Any:
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Neg):
        return -_literal(node.this)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return str(node.this)
        number = float(node.this)
        return int(number) if number.is_integer() and "." not in node.this else number
    raise TypeError(f"IN list value must be a literal, not {node.sql()!r}")


def _compile(node: exp.Expression, table: Table) -> Value:
    if isinstance(node, exp.Paren):
        return _compile(node.this, table)
    if isinstance(node, exp.Column):
        return table[node.name.lower()]
    if isinstance(node, exp.Literal | exp.Boolean | exp.Null):
        value = _literal(node)
        return ibis.null() if value is None else ibis.literal(value)
    if isinstance(node, exp.And):
        return _compile(node.this, table) & _compile(node.expression, table)
    if isinstance(node, exp.Or):
        return _compile(node.this, table) | _compile(node.expression, table)
    if isinstance(node, exp.Not):
        return ~_compile(node.this, table)
    if isinstance(node, exp.Neg):
        return -_compile(node.this, table)
    if type(node) in _COMPARISONS:
        return _COMPARISONS[type(node)](
            _compile(node.this, table), _compile(node.expression, table)
        )
    if type(node) in _ARITHMETIC:
        return _ARITHMETIC[type(node)](_compile(node.this, table), _compile(node.expression, table))
    if isinstance(node, exp.In):
        return _compile(node.this, table).isin([_literal(v) for v in node.expressions])
    if isinstance(node, exp.Between):
        this = _compile(node.this, table)
        return this.between(_compile(node.args["low"], table), _compile(node.args["high"], table))
    if isinstance(node, exp.Is):
        if isinstance(node.expression, exp.Null):
            return _compile(node.this, table).isnull()
        if isinstance(node.expression, exp.Boolean):
            return (_compile(node.this, table) == bool(node.expression.this)).fill_null(False)
        raise TypeError(f"IS takes NULL, TRUE or FALSE, not {node.expression.sql()!r}")
    return _compile_function(node, table)


def _compile_function(node: exp.Expression, table: Table) -> Value:
    args = [_compile(a, table) for a in (node.this, *node.expressions) if a is not None]
    if isinstance(node, exp.Coalesce):
        return ibis.coalesce(*args)
    if isinstance(node, exp.Least):
        return ibis.least(*args)
    if isinstance(node, exp.Greatest):
        return ibis.greatest(*args)
    if isinstance(node, exp.Abs):
        return args[0].abs()
    if isinstance(node, exp.Lower):
        return args[0].lower()
    if isinstance(node, exp.Upper):
        return args[0].upper()
    raise TypeError(f"unsupported expression {node.sql()!r}")
