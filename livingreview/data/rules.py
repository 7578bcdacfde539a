"""A table's rules in words: the column help of ``livingreview add`` and the hints of problems.

The schema in ``data/datapackage.json`` is the one statement of the rules; this module words
it for people. A pattern is never shown alone: each patterned field carries its form in words
(``x-expected``, e.g. "NCT followed by 8 digits"), and the cross-column rules (``x-rules``) are
said as "required when registry_verified is true".
"""

from __future__ import annotations

from dataclasses import replace

from livingreview.data.package import Field, Resource
from livingreview.data.validate import REGISTRY_PREFIX, Problem

EXPECTED = "x-expected"  # a field's pattern in words (``Field.expected``)

TYPE_WORDS = {
    "string": "text",
    "integer": "whole number",
    "number": "number (dot as decimal mark, no units)",
    "boolean": "true or false",
    "year": "year YYYY",
    "date": "date YYYY-MM-DD",
}
# problems whose hint gains the column's allowed values or form (the others say them already:
# "is not an allowed value (a, b)", "expected a date", "must be true when ...")
EXPLAINED = {"required", "required-when", "pattern"}


def expected_form(resource: Resource, name: str) -> str:
    """The words for a field's pattern ('' when it has none or no words)."""
    return next((f.expected for f in resource.fields if f.name == name), "")


def condition_words(when: dict) -> str:
    return " and ".join(f"{k} is {v}" for k, v in when.items())


def involved(rule: dict) -> list[str]:
    """Every column a cross-column rule reads, conditions first."""
    names = [*rule.get("when", {}), *rule.get("fields", []), *rule.get("then", {})]
    return list(dict.fromkeys(names))


def row_rule_words(resource: Resource) -> dict[str, list[str]]:
    """For each column, the cross-column rules about it, in words."""
    out: dict[str, list[str]] = {}

    def say(name: str, text: str) -> None:
        out.setdefault(name, []).append(text)

    for rule in resource.rules:
        kind, names = rule.get("rule"), rule.get("fields", [])
        if kind == "required-when":
            for name in names:
                say(name, f"required when {condition_words(rule['when'])}")
        elif kind == "implies":
            for name, wanted in rule["then"].items():
                say(name, f"must be {wanted} when {condition_words(rule['when'])}")
        elif kind == "ordered":
            for before, after in zip(names, names[1:], strict=False):
                say(after, f"not below {before}")
        elif kind == "registry-id":
            id_field, registry_field = names
            prefixes = ", ".join(f"{pre}… for {reg}" for reg, pre in REGISTRY_PREFIX.items())
            say(id_field, f"must fit {registry_field} ({prefixes})")
    return out


def value_words(resource: Resource, f: Field) -> str:
    """What a cell of ``f`` may hold: allowed values, form in words, limits ('' when free)."""
    c = f.constraints
    parts = []
    if "enum" in c:
        parts.append("one of: " + ", ".join(map(str, c["enum"])))
    form = expected_form(resource, f.name)
    if form:
        parts.append(form)
    elif f.type != "string":
        parts.append(TYPE_WORDS.get(f.type, f.type))
    if "minimum" in c:
        parts.append(f"at least {c['minimum']}")
    if "exclusiveMinimum" in c:
        parts.append(f"greater than {c['exclusiveMinimum']}")
    if "maximum" in c:
        parts.append(f"at most {c['maximum']}")
    if f.bibkeys:
        parts.append("reference keys of data/references.bib")
    return "; ".join(parts)


def column_rules(resource: Resource, f: Field) -> list[str]:
    """Every rule of one column in words: type, when required, allowed values or form."""
    rules = [TYPE_WORDS.get(f.type, f.type)]
    rules.append("required" if f.required else "optional")
    rules += row_rule_words(resource).get(f.name, [])
    if f.constraints.get("unique"):
        rules.append("unique")
    values = value_words(resource, f)
    if values and values != TYPE_WORDS.get(f.type):
        rules.append(values)
    return rules


def table_help(resource: Resource) -> str:
    """`livingreview add TABLE --help`: every column, its rules and its meaning."""
    lines = [
        f"Columns of {resource.name} (data/{resource.path}), in file order; give each as "
        "--set column=value, or use --prompt:",
        "",
    ]
    for f in resource.fields:
        lines.append(f"  {f.name}: {'; '.join(column_rules(resource, f))}")
        if f.description:
            lines.append(f"      {f.description}")
    return "\n".join(lines)


def explain(problem: Problem, tables: dict[str, Resource]) -> Problem:
    """The problem with its column's allowed values or form in words added to the hint."""
    if problem.rule not in EXPLAINED or not problem.column:
        return problem
    resource = next((r for r in tables.values() if f"data/{r.path}" == problem.file), None)
    f = next((f for f in resource.fields if f.name == problem.column), None) if resource else None
    if f is None:
        return problem
    words = value_words(resource, f)
    if not words or words in problem.hint:
        return problem
    hint = problem.hint.rstrip()
    hint = f"{hint}{'' if not hint or hint.endswith('.') else '.'} Expected: {words}.".lstrip()
    return replace(problem, hint=hint)


def explained(problems: list[Problem], tables: dict[str, Resource]) -> list[Problem]:
    return [explain(p, tables) for p in problems]
