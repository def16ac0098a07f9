"""Ledger books for the service's worker threads: a few, each used by one request at a time.

A book opened from a URL is opened again for each worker that needs one (up to ``size``);
a store object handed in is one book, used by one request at a time. A request that
cannot have a book within its time gets ``service.timeout`` (503). A book whose store lost
its connection (a PostgreSQL server restarted) is closed when its request ends, and a new
one is opened for the next request.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from zjj_medical.service.problems import ServiceError
from zjj_medical.store.book import LedgerBook

__all__ = ["BookPool"]


class BookPool:
    """At most ``size`` books; :meth:`book` lends one until the block ends."""

    def __init__(
        self,
        first: LedgerBook,
        opener: Callable[[], LedgerBook] | None,
        size: int,
        *,
        owns_first: bool = True,
    ) -> None:
        self._owns_first = owns_first
        self._free: queue.LifoQueue[LedgerBook] = queue.LifoQueue()
        self._free.put(first)
        self._opener = opener
        self._open = 1
        self._size = size if opener is not None else 1
        self._lock = threading.Lock()
        self._all = [first]
        self._first = first

    @property
    def first(self) -> LedgerBook:
        """The book opened first (its policies are every book's)."""
        return self._first

    @contextmanager
    def book(self, deadline: float, seconds: float) -> Iterator[LedgerBook]:
        """A free book (one more opened when all are lent and fewer than ``size`` are open);
        ``service.timeout`` when none is free before ``deadline`` (``time.monotonic``)."""
        book = self._take(deadline, seconds)
        try:
            yield book
        finally:
            if self._opener is not None and book.store.lost():
                self._drop(book)
            else:
                self._free.put(book)

    def _drop(self, book: LedgerBook) -> None:
        """Close a book whose store lost its connection; the next request opens another."""
        with self._lock:
            self._all = [b for b in self._all if b is not book]
            self._open -= 1
        if self._owned(book):
            with suppress(Exception):
                book.close()

    def _owned(self, book: LedgerBook) -> bool:
        """Whether the pool opened the book (a store handed in is left to its owner)."""
        return book is not self._first or self._owns_first

    def _take(self, deadline: float, seconds: float) -> LedgerBook:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = self._opener is not None and self._open < self._size
            if grow:
                self._open += 1
        if grow and self._opener is not None:
            try:
                book = self._opener()
            except BaseException:
                with self._lock:
                    self._open -= 1
                raise
            with self._lock:
                self._all.append(book)
            return book
        try:
            return self._free.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise ServiceError(code="service.timeout", params={"seconds": seconds}) from None

    def close(self) -> None:
        """Close every book opened here (the first one only when it was opened here too)."""
        with self._lock:
            books, self._all = self._all, []
        for book in books:
            if self._owned(book):
                book.close()
