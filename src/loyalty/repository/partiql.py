"""The PartiQL statements of a grouped aggregate write (decision 0011).

A customer's aggregate is written whole, as ``PutItem`` would write it, by one conditional
statement: an ``INSERT`` when no aggregate is stored (DynamoDB refuses it with ``DuplicateItem``
if one is), an ``UPDATE`` conditioned on the stored ``version`` otherwise. Every value, ids
included, is a parameter: the statement text holds only the table's and the attributes' names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalty.repository.items import aggregate_to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import BatchStatementRequestTypeDef

    from loyalty.domain.aggregates import CustomerAggregate

__all__ = ["MAX_STATEMENTS_PER_BATCH", "aggregate_write_statement"]

MAX_STATEMENTS_PER_BATCH = 25
"""DynamoDB's limit on the statements of one ``BatchExecuteStatement``."""

_KEY_ATTRIBUTES = ("pk", "sk")


def _name(attribute: str) -> str:
    # Quoted, so that names that are PartiQL reserved words ("version") stay names.
    return f'"{attribute}"'


def aggregate_write_statement(
    table_name: str, aggregate: CustomerAggregate, expected: CustomerAggregate | None
) -> BatchStatementRequestTypeDef:
    """The statement that stores ``aggregate`` if the stored one is still ``expected``.

    The ``UPDATE`` sets every attribute of the new item and removes the attributes only the
    expected one has (the version condition makes the expected item the stored one), so the
    stored item ends as ``PutItem`` would have left it. A failed condition returns the stored
    item with the statement's error.
    """
    item = aggregate_to_item(aggregate)
    if expected is None:
        values = ", ".join(f"'{attribute}': ?" for attribute in item)
        return {
            "Statement": f"INSERT INTO {_name(table_name)} VALUE {{{values}}}",
            "Parameters": list(item.values()),
        }
    updated = [attribute for attribute in item if attribute not in _KEY_ATTRIBUTES]
    removed = [attribute for attribute in aggregate_to_item(expected) if attribute not in item]
    clauses = [f"SET {_name(attribute)}=?" for attribute in updated]
    clauses += [f"REMOVE {_name(attribute)}" for attribute in removed]
    statement = (
        f'UPDATE {_name(table_name)} {" ".join(clauses)} WHERE "pk"=? AND "sk"=? AND "version"=?'
    )
    return {
        "Statement": statement,
        "Parameters": [
            *(item[attribute] for attribute in updated),
            item["pk"],
            item["sk"],
            {"N": str(expected.version)},
        ],
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
