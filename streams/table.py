"""The conversation table (one changelog-backed record per open conversation) and the customer
table (one per identified customer).

The conversations agent takes events in batches that span partitions, and the deadline timer
writes outside any stream, so every write names its partition (the input partition that owns
the conversation) instead of taking it from faust's current event. Values are bytes, encoded by
:mod:`supportwatch.streams.codec`.
"""

from __future__ import annotations

from typing import Any

import faust
from faust.stores.rocksdb import Store as RocksStore

STORES = {"memory": "memory://", "rocksdb": "rocksdb://"}


class PartitionedTable(faust.Table):
    """A faust table whose writes say which partition's changelog they go to.

    A write changes the local store at once and is sent to the changelog by :meth:`publish`, the
    latest value per key only: a conversation touched by many events of a batch costs one record.
    The writes are taken synchronously after a batch is applied and published after its alerts are
    acknowledged, in the order they were taken (streams/conversations.py).
    """

    changelog_name: str | None = None  # None: faust's ``{app id}-{table}-changelog``

    def __post_init__(self) -> None:
        super().__post_init__()
        self._unpublished: dict[str, tuple[int, bytes | None]] = {}

    def _changelog_topic_name(self) -> str:
        return self.changelog_name or super()._changelog_topic_name()

    def put(self, partition: int, key: str, value: bytes) -> None:
        store = self.data
        if isinstance(store, RocksStore):  # faust's rocksdb store takes the partition from the current event
            encoded = store._encode_key(key)
            store._key_index[encoded] = partition
            store._db_for_partition(partition).put(encoded, store._encode_value(value))
        else:
            store[key] = value
        self._unpublished[key] = (partition, value)

    def remove(self, partition: int, key: str) -> None:
        if key in self.data:
            del self.data[key]
            self._unpublished[key] = (partition, None)

    def take_unpublished(self) -> dict[str, tuple[int, bytes | None]]:
        """The writes since the last call, to :meth:`publish` once what they caused is acknowledged."""
        writes, self._unpublished = self._unpublished, {}
        return writes

    def publish(self, writes: dict[str, tuple[int, bytes | None]]) -> None:
        """Send ``writes`` to the changelog (in the order they were taken)."""
        for key, (partition, value) in writes.items():
            if value is None:
                self.send_changelog(partition, key, None, value_serializer="raw")
            else:
                self.send_changelog(partition, key, value)


def conversation_table(app: faust.App, partitions: int) -> Any:
    """The conversation table, on the app's store (``STORES``; faust takes an empty ``rocksdb://`` URL for none)."""
    return _table(app, "conversations", partitions)


def customer_table(app: faust.App, partitions: int, changelog: str) -> Any:
    """The customer table, keyed by customer id, partitioned as the customers topic; its changelog
    is named by the caller, as a customers worker's app id is not the conversations' one."""
    return _table(app, "customers", partitions, changelog)


def _table(app: faust.App, name: str, partitions: int, changelog: str | None = None) -> Any:
    table = PartitionedTable(
        app, name=name, default=None, partitions=partitions,
        key_type=str, value_type=bytes,  # keys as JSON (str survives recovery as str), values as our bytes
    )
    table.changelog_name = changelog
    return app.tables.add(table)
