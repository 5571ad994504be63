"""The TTL service the emulator lacks: delete expired items, and own their stream records."""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Any

from loyalty_sandbox.stats import Stats
from loyalty_sandbox.workers import PollingWorker

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

__all__ = ["ExpiredKeys", "TtlSweeper"]


"""What DynamoDB puts in ``userIdentity`` of a stream record for a deletion by TTL."""


def _key_id(key: Mapping[str, Any]) -> str:
    return json.dumps(key, sort_keys=True)


class ExpiredKeys:
    """Keys the sweeper deleted whose REMOVE stream records are still to be marked as TTL's."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def add(self, key: Mapping[str, Any]) -> None:
        with self._lock:
            self._keys.add(_key_id(key))

    def discard(self, key: Mapping[str, Any]) -> None:
        with self._lock:
            self._keys.discard(_key_id(key))

    def claim(self, key: Mapping[str, Any]) -> bool:
        """Whether ``key`` was deleted by the sweeper (and forget it: one REMOVE per deletion)."""
        identifier = _key_id(key)
        with self._lock:
            if identifier in self._keys:
                self._keys.remove(identifier)
                return True
            return False


class TtlSweeper(PollingWorker):
    """Deletes items whose TTL attribute is in the past, as DynamoDB's TTL process does.

    Each deletion is conditional on the item still being expired, and its key is registered in
    ``expired`` first so the stream poller marks the REMOVE record with :data:`TTL_USER_IDENTITY`.
    DynamoDB deletes within days of expiry; the sweeper runs every ``interval`` seconds and
    deletes items expired at least ``lag`` seconds ago, so a lag can be shown (points stop
    counting at their expiry, before the deletion).
    """

    def __init__(
        self,
        *,
        dynamodb: DynamoDBClient,
        table_name: str,
        ttl_attribute: str,
        key_names: Sequence[str],
        expired: ExpiredKeys,
        interval: float = 1.0,
        lag: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__("ttl", idle_wait=interval)
        self.stats = Stats()
        self._dynamodb = dynamodb
        self._table_name = table_name
        self._ttl_attribute = ttl_attribute
        self._key_names = tuple(key_names)
        self._expired = expired
        self._clock = clock
        self._lag = lag
        self._lock = threading.Lock()

    def poll_once(self) -> bool:
        self.sweep()
        return False

    def sweep(self) -> int:
        """Delete every expired item now; return how many were deleted.

        Once the sweeper is stopping, a sweep ends at the next item.
        """
        with self._lock:
            now: AttributeValueTypeDef = {"N": str(int(self._clock() - self._lag))}
            names = {"#ttl": self._ttl_attribute}
            names.update({f"#k{index}": name for index, name in enumerate(self._key_names)})
            deleted = 0
            paginator = self._dynamodb.get_paginator("scan")
            for page in paginator.paginate(
                TableName=self._table_name,
                FilterExpression="#ttl <= :now",
                ProjectionExpression=", ".join(f"#k{i}" for i in range(len(self._key_names))),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":now": now},
            ):
                for item in page.get("Items", []):
                    if self._stop.is_set():
                        break
                    key = {name: item[name] for name in self._key_names}
                    if self._delete(key, now):
                        deleted += 1
                if self._stop.is_set():
                    # A scan of a large table takes seconds per page (the emulator's scan cost
                    # grows with the table): the rest waits for the next sweep, if any.
                    break
            self.stats.add("expired", deleted)
            return deleted

    def _delete(self, key: dict[str, AttributeValueTypeDef], now: AttributeValueTypeDef) -> bool:
        self._expired.add(key)
        try:
            self._dynamodb.delete_item(
                TableName=self._table_name,
                Key=key,
                ConditionExpression="#ttl <= :now",
                ExpressionAttributeNames={"#ttl": self._ttl_attribute},
                ExpressionAttributeValues={":now": now},
            )
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            # Changed or deleted since the scan: no REMOVE record of ours will come.
            self._expired.discard(key)
            return False
        return True
