"""A stand-in for moto's ``BatchExecuteStatement`` that runs the ledger's own statement shapes.

The aggregator writes a stream batch's customers with PartiQL batches (decision 0011). moto's
PartiQL engine cannot run them: it raises on a parameterised ``INSERT ... VALUE``, on
``UPDATE ... SET a=? SET b=?`` and on ``REMOVE``, and it answers an ``UPDATE`` whose condition
fails with success while writing nothing, which would lose a conflict silently. This stand-in
executes the two shapes DynamoDB documents and the library sends, through moto's own conditional
``UpdateItem`` and ``PutItem`` (so streams, conditions and key checks are moto's), and answers
each statement as DynamoDB does:

- ``UPDATE "t" SET "a"=? ... REMOVE "b" ... WHERE "k"=? AND ... AND "c"=?``: the key attributes
  select the item; every other ``WHERE`` term is a condition; a missing item or a failed
  condition is ``ConditionalCheckFailed``, with the stored item when
  ``ReturnValuesOnConditionCheckFailure`` is ``ALL_OLD``.
- ``INSERT INTO "t" VALUE {'a': ?, ...}``: an existing key is ``DuplicateItem``, with no item.

Any other statement goes to moto's own implementation, as it would without the stand-in.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

__all__ = ["run_batch_statements_as_conditional_writes"]

_UPDATE = re.compile(
    r'\s*UPDATE\s+"(?P<table>[^"]+)"\s+(?P<clauses>.+?)\s+WHERE\s+(?P<where>.+?)\s*',
    re.IGNORECASE | re.DOTALL,
)
_CLAUSE = re.compile(
    r'\s*(?P<verb>SET|REMOVE)\s+"(?P<name>[^"]+)"(?P<value>\s*=\s*\?)?\s*', re.IGNORECASE
)
_WHERE_TERM = re.compile(r'\s*"(?P<name>[^"]+)"\s*=\s*\?\s*')
_INSERT = re.compile(
    r'\s*INSERT\s+INTO\s+"(?P<table>[^"]+)"\s+VALUE\s+\{(?P<values>.*)\}\s*',
    re.IGNORECASE | re.DOTALL,
)
_INSERT_VALUE = re.compile(r"\s*'(?P<name>[^']+)'\s*:\s*\?\s*")


class _OtherStatementError(Exception):
    """The statement is not one of the two shapes: moto's own engine gets it."""


def _terms(pattern: re.Pattern[str], parts: list[str]) -> list[re.Match[str]]:
    matches = [pattern.fullmatch(part) for part in parts if part.strip()]
    if not matches or not all(matches):
        raise _OtherStatementError
    return [match for match in matches if match is not None]


def _update(backend: Any, statement: dict[str, Any], match: re.Match[str]) -> dict[str, Any]:
    table_name = match["table"]
    table = backend.get_table(table_name)
    clauses = _terms(_CLAUSE, re.split(r'(?=\b(?:SET|REMOVE)\s+")', match["clauses"], flags=re.I))
    if any((clause["verb"].upper() == "SET") != bool(clause["value"]) for clause in clauses):
        raise _OtherStatementError
    where = _terms(_WHERE_TERM, re.split(r"\bAND\b", match["where"], flags=re.I))
    parameters = list(statement.get("Parameters", []))
    setting = [clause for clause in clauses if clause["value"]]
    if len(parameters) != len(setting) + len(where):
        return _error("ValidationError", "Number of parameters does not match the statement")
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sets, removes = [], []
    for clause in clauses:
        name = f"#a{len(names)}"
        names[name] = clause["name"]
        if clause["value"]:
            value = f":a{len(values)}"
            values[value] = parameters.pop(0)
            sets.append(f"{name} = {value}")
        else:
            removes.append(name)
    key_names = {table.hash_key_attr, table.range_key_attr} - {None}
    key: dict[str, Any] = {}
    conditions = ["attribute_exists(#key)"]
    for term, parameter in zip(where, parameters, strict=True):
        if term["name"] in key_names:
            key[term["name"]] = parameter
            continue
        name, value = f"#c{len(conditions)}", f":c{len(conditions)}"
        names[name], values[value] = term["name"], parameter
        conditions.append(f"{name} = {value}")
    if set(key) != key_names:
        return _error(
            "ValidationError",
            "Where clause does not contain a mandatory equality on all key attributes",
        )
    names["#key"] = table.hash_key_attr
    expression = " ".join(
        f"{verb} {', '.join(parts)}"
        for verb, parts in (("SET", sets), ("REMOVE", removes))
        if parts
    )
    return _conditional(
        backend,
        table_name,
        key,
        statement,
        lambda: backend.update_item(
            table_name,
            key,
            expression,
            names,
            values,
            condition_expression=" AND ".join(conditions),
        ),
        conflict_code="ConditionalCheckFailed",
    )


def _insert(backend: Any, statement: dict[str, Any], match: re.Match[str]) -> dict[str, Any]:
    table_name = match["table"]
    table = backend.get_table(table_name)
    attributes = [term["name"] for term in _terms(_INSERT_VALUE, match["values"].split(","))]
    parameters = list(statement.get("Parameters", []))
    if len(parameters) != len(attributes):
        return _error("ValidationError", "Number of parameters does not match the statement")
    item = dict(zip(attributes, parameters, strict=True))
    key = {name: item[name] for name in (table.hash_key_attr, table.range_key_attr) if name}
    return _conditional(
        backend,
        table_name,
        key,
        statement,
        lambda: backend.put_item(
            table_name,
            item,
            condition_expression="attribute_not_exists(#key)",
            expression_attribute_names={"#key": table.hash_key_attr},
        ),
        conflict_code="DuplicateItem",
    )


def _conditional(
    backend: Any,
    table_name: str,
    key: dict[str, Any],
    statement: dict[str, Any],
    write: Any,
    *,
    conflict_code: str,
) -> dict[str, Any]:
    from moto.dynamodb.exceptions import ConditionalCheckFailed

    try:
        write()
    except ConditionalCheckFailed:
        if conflict_code == "DuplicateItem":
            return _error(conflict_code, "Duplicate primary key exists in table")
        response = _error(conflict_code, "The conditional request failed")
        stored = backend.get_item(table_name, key)
        if stored is not None and statement.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD":
            response["Error"]["Item"] = stored.to_json()["Attributes"]
        return response
    return {"TableName": table_name}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"Error": {"Code": code, "Message": message}}


_install_lock = threading.Lock()


def run_batch_statements_as_conditional_writes() -> None:
    """Install the stand-in on moto's DynamoDB backend, once per process (idempotent).

    Call it in the process that holds moto's state: the sandbox's emulator does, and tests that
    run moto in-process do so before their first request.
    """
    from moto.dynamodb.exceptions import DynamodbException, ResourceNotFoundException
    from moto.dynamodb.models import DynamoDBBackend

    with _install_lock:
        if getattr(DynamoDBBackend.batch_execute_statement, "_runs_ledger_shapes", False):
            return
        moto_batch = DynamoDBBackend.batch_execute_statement

        @functools.wraps(moto_batch)
        def batch_execute_statement(
            backend: Any, statements: list[dict[str, Any]]
        ) -> list[dict[str, Any]]:
            responses = []
            for statement in statements:
                text = statement.get("Statement", "")
                try:
                    if match := _UPDATE.fullmatch(text):
                        responses.append(_update(backend, statement, match))
                        continue
                    if match := _INSERT.fullmatch(text):
                        responses.append(_insert(backend, statement, match))
                        continue
                except _OtherStatementError:
                    pass
                except ResourceNotFoundException:
                    responses.append(_error("ResourceNotFound", "Requested resource not found"))
                    continue
                except DynamodbException as error:
                    # What moto refuses of a write (an item too large, a mistyped key) DynamoDB
                    # refuses as this statement's validation error, not the request's.
                    responses.append(_error("ValidationError", error.message))
                    continue
                responses.extend(moto_batch(backend, [statement]))
            return responses

        batch_execute_statement._runs_ledger_shapes = True  # type: ignore[attr-defined]
        DynamoDBBackend.batch_execute_statement = batch_execute_statement  # type: ignore[method-assign,assignment]
