"""The sandbox's stand-in runs the ledger's PartiQL write shapes as DynamoDB documents them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.support.aws import TABLE_NAME

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY: list[Any] = [{"S": "AGG#c-1"}, {"S": "AGG"}]
UPDATE = (
    f'UPDATE "{TABLE_NAME}" SET "points"=? REMOVE "arrears" WHERE "pk"=? AND "sk"=? AND "version"=?'
)
INSERT = f"INSERT INTO \"{TABLE_NAME}\" VALUE {{'pk': ?, 'sk': ?, 'points': ?, 'version': ?}}"


def run(dynamodb: DynamoDBClient, *statements: dict[str, Any]) -> list[dict[str, Any]]:
    response = dynamodb.batch_execute_statement(Statements=list(statements))  # type: ignore[arg-type]
    return list(response["Responses"])  # type: ignore[arg-type]


def insert(points: int = 10, version: int = 1) -> dict[str, Any]:
    return {
        "Statement": INSERT,
        "Parameters": [*KEY, {"N": str(points)}, {"N": str(version)}],
    }


def update(points: int, version: int, *, all_old: bool = True) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Statement": UPDATE,
        "Parameters": [{"N": str(points)}, *KEY, {"N": str(version)}],
    }
    if all_old:
        statement["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return statement


def stored(dynamodb: DynamoDBClient) -> dict[str, Any] | None:
    key = {"pk": KEY[0], "sk": KEY[1]}
    return dynamodb.get_item(TableName=TABLE_NAME, Key=key).get("Item")


def test_an_insert_writes_a_new_item_and_refuses_an_existing_key_without_returning_it(
    dynamodb: DynamoDBClient,
) -> None:
    assert run(dynamodb, insert()) == [{"TableName": TABLE_NAME}]
    assert run(dynamodb, insert(points=99)) == [
        {"Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}}
    ]
    assert stored(dynamodb) == {**dict(zip(("pk", "sk"), KEY, strict=True)),
                                "points": {"N": "10"}, "version": {"N": "1"}}  # fmt: skip


def test_an_update_sets_and_removes_when_its_condition_holds(dynamodb: DynamoDBClient) -> None:
    dynamodb.put_item(
        TableName=TABLE_NAME,
        Item={"pk": KEY[0], "sk": KEY[1], "points": {"N": "10"}, "version": {"N": "1"},
              "arrears": {"N": "5"}},
    )  # fmt: skip
    assert run(dynamodb, update(points=20, version=1)) == [{"TableName": TABLE_NAME}]
    item = stored(dynamodb)
    assert item is not None
    assert item["points"] == {"N": "20"}
    assert "arrears" not in item


def test_a_failed_condition_is_conditional_check_failed_with_the_stored_item_if_asked(
    dynamodb: DynamoDBClient,
) -> None:
    run(dynamodb, insert(points=10, version=2))
    (answer,) = run(dynamodb, update(points=20, version=1))
    assert answer["Error"]["Code"] == "ConditionalCheckFailed"
    assert answer["Error"]["Item"] == stored(dynamodb)
    (answer,) = run(dynamodb, update(points=20, version=1, all_old=False))
    assert answer["Error"]["Code"] == "ConditionalCheckFailed"
    assert "Item" not in answer["Error"]
    assert stored(dynamodb) is not None
    assert stored(dynamodb)["points"] == {"N": "10"}  # type: ignore[index]


def test_an_update_of_a_missing_item_fails_its_condition_and_creates_nothing(
    dynamodb: DynamoDBClient,
) -> None:
    (answer,) = run(dynamodb, update(points=20, version=1))
    assert answer["Error"]["Code"] == "ConditionalCheckFailed"
    assert "Item" not in answer["Error"]
    assert stored(dynamodb) is None


def test_each_statement_of_a_batch_has_its_own_outcome(dynamodb: DynamoDBClient) -> None:
    other = {**insert(), "Parameters": [{"S": "AGG#c-2"}, KEY[1], {"N": "1"}, {"N": "1"}]}
    missing_table = {**insert(), "Statement": INSERT.replace(TABLE_NAME, "no-such-table")}
    answers = run(dynamodb, insert(), update(points=5, version=9), other, missing_table)
    assert [answer.get("Error", {}).get("Code") for answer in answers] == [
        None,
        "ConditionalCheckFailed",
        None,
        "ResourceNotFound",
    ]


def test_other_statements_are_left_to_moto(dynamodb: DynamoDBClient) -> None:
    select = {"Statement": f"SELECT * FROM {TABLE_NAME} WHERE pk=? AND sk=?", "Parameters": KEY}
    (answer,) = run(dynamodb, select)
    # moto's own engine answered (and, as it does, misread the key in the WHERE clause).
    assert answer["Error"]["Message"].startswith("Select statements within BatchExecuteStatement")
