"""Group commit: several concurrent writes committed in one transaction by a per-process writer.

A festival burst is hundreds of people scanning the same code within seconds. Each check-in is
a small write, and committing each on its own makes every request pay a whole transaction
(on PostgreSQL a WAL flush, on SQLite the single write lock and its busy-wait). Here request
threads hand their write to a writer thread of their process, which takes everything that is
waiting, runs it in one transaction, commits, and only then wakes each request with its own
result. A request is never answered before its row is committed.

- `write_batch(items)` runs inside the writer's transaction and returns one result per item
  (a value, or an exception instance for that item alone).
- If the batch fails as a whole (an exception escapes, e.g. a unique constraint hit by a scan
  that raced another process), the transaction is rolled back and each item is retried alone,
  in its own transaction: one bad item never loses the others.
- Batching is natural: while one batch commits, the next requests queue up; nothing waits on a
  timer. A lone request is written at once.
- The writer thread is per process (started on first use, again after a fork) and stops, closing
  its database connection, once idle for `idle_seconds`. `stop()` stops it now (tests).

Only callers in autocommit mode may use it: a caller inside `transaction.atomic()` must write
in its own transaction, so `submit_or_run` runs the batch of one inline for them.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction

T = TypeVar("T")

# A check-in waits at most this long for its commit; past it the request fails (and the client's
# retry is harmless: check-in is idempotent).
WAIT_SECONDS = 30.0


class _Slot:
    __slots__ = ("item", "done", "result")

    def __init__(self, item: Any) -> None:
        self.item = item
        self.done = threading.Event()
        self.result: Any = None


class GroupCommitTimeout(Exception):
    pass


class GroupCommitter(Generic[T]):
    def __init__(
        self,
        write_batch: Callable[[Sequence[T]], list[Any]],
        *,
        name: str,
        max_batch: int = 200,
        idle_seconds: float = 2.0,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        self.write_batch = write_batch
        self.name = name
        self.max_batch = max_batch
        self.idle_seconds = idle_seconds
        self.using = using
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: deque[_Slot] = deque()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopping = False
        # Figures for tests and diagnostics: batches committed and items in them.
        self.batches = 0
        self.items = 0

    # --- the request side ------------------------------------------------------------------------
    def usable(self) -> bool:
        """Whether the caller may hand its write over: it must not be inside a transaction of
        its own (its write must then be part of it), and the database must be reachable from
        another thread (not a private in-memory SQLite database)."""
        conn = connections[self.using]
        if conn.in_atomic_block:
            return False
        return not (conn.vendor == "sqlite" and conn.is_in_memory_db())

    def submit_or_run(self, item: T) -> Any:
        """The item's result, committed: through the writer thread when usable(), else inline in
        the caller's transaction (as a savepoint). Exceptions for the item are raised."""
        if not self.usable():
            with transaction.atomic(using=self.using):
                result = self.write_batch([item])[0]
            return _unwrap(result)
        return _unwrap(self.submit(item))

    def submit(self, item: T, timeout: float = WAIT_SECONDS) -> Any:
        slot = _Slot(item)
        with self._lock:
            self._ensure_thread()
            self._queue.append(slot)
            self._wake.notify()
        if not slot.done.wait(timeout):
            raise GroupCommitTimeout(f"{self.name}: no commit within {timeout:.0f} s")
        return slot.result

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        if self._pid != os.getpid():  # a forked child: the parent's queue and thread are not ours
            self._queue.clear()
        self._pid = os.getpid()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name=f"groupcommit-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the writer once the queue is empty and wait for it (its connection is closed)."""
        with self._lock:
            thread = self._thread
            self._stopping = True
            self._wake.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=WAIT_SECONDS)

    # --- the writer side -------------------------------------------------------------------------
    def _take(self) -> list[_Slot] | None:
        with self._lock:
            while not self._queue:
                idle = self._stopping or not self._wake.wait(timeout=self.idle_seconds)
                if idle and not self._queue:
                    self._thread = None
                    return None
            batch = []
            while self._queue and len(batch) < self.max_batch:
                batch.append(self._queue.popleft())
            return batch

    def _run(self) -> None:
        try:
            while (batch := self._take()) is not None:
                self._commit(batch)
        finally:
            connections[self.using].close()

    def _commit(self, batch: list[_Slot]) -> None:
        try:
            with transaction.atomic(using=self.using):
                results = self.write_batch([s.item for s in batch])
            assert len(results) == len(batch)
        except Exception:  # noqa: BLE001 - rolled back as a whole: retry each item alone
            self._reset_connection()
            if len(batch) == 1:
                results = [self._alone(batch[0])]
            else:
                results = [self._alone(s) for s in batch]
        self.batches += 1
        self.items += len(batch)
        for slot, result in zip(batch, results, strict=True):
            slot.result = result
            slot.done.set()

    def _alone(self, slot: _Slot) -> Any:
        try:
            with transaction.atomic(using=self.using):
                return self.write_batch([slot.item])[0]
        except Exception as exc:  # noqa: BLE001 - this item's failure, reported to its request
            self._reset_connection()
            return exc

    def _reset_connection(self) -> None:
        # After an error the connection may be unusable (server restart, broken socket): the
        # next statement then opens a new one.
        conn = connections[self.using]
        if conn.connection is not None and not conn.is_usable():
            conn.close()


def _unwrap(result: Any) -> Any:
    if isinstance(result, BaseException):
        raise result
    return result
