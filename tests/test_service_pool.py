"""The service's book pool: a book whose store lost its server connection is closed, and the
next request is served by a book opened anew (a PostgreSQL server restarted or ended the
session)."""

from __future__ import annotations

import time
from typing import Any

from service_helpers import auth, body, document
from zjj_medical.service.pool import BookPool


class _Store:
    def __init__(self) -> None:
        self.gone = False
        self.closed = False

    def lost(self) -> bool:
        return self.gone

    def close(self) -> None:
        self.closed = True


class _Book:
    def __init__(self, name: str) -> None:
        self.name = name
        self.store = _Store()

    def close(self) -> None:
        self.store.close()


def _pool() -> tuple[BookPool, list[_Book]]:
    opened: list[_Book] = []

    def opener() -> Any:
        opened.append(_Book(f"book{len(opened) + 1}"))
        return opened[-1]

    first = _Book("first")
    return BookPool(first, opener, 2), opened  # type: ignore[arg-type]


def test_a_lost_book_is_closed_and_the_next_request_has_a_new_one() -> None:
    pool, opened = _pool()
    deadline = time.monotonic() + 5
    with pool.book(deadline, 5) as book:
        assert book.name == "first"  # type: ignore[attr-defined]
        book.store.gone = True  # type: ignore[attr-defined]
    assert book.store.closed  # type: ignore[attr-defined]
    with pool.book(deadline, 5) as again:
        assert again.name == "book1"  # type: ignore[attr-defined]
    with pool.book(deadline, 5) as third:
        assert third is again  # a healthy book is lent again
    assert pool.first is book  # its policies are every book's, closed or not
    pool.close()
    assert again.store.closed  # type: ignore[attr-defined]
    assert len(opened) == 1


def test_a_lost_book_frees_its_place_for_another() -> None:
    """Two places: a lost book leaves its place, so two healthy books can be lent at once."""
    pool, opened = _pool()
    deadline = time.monotonic() + 5
    with pool.book(deadline, 5) as a, pool.book(deadline, 5) as b:
        a.store.gone = True  # type: ignore[attr-defined]
        assert b.name == "book1"  # type: ignore[attr-defined]
    with pool.book(deadline, 5) as c, pool.book(deadline, 5) as d:
        assert {c.name, d.name} == {"book1", "book2"}  # type: ignore[attr-defined]
    assert len(opened) == 2


def test_a_book_handed_in_is_kept_even_when_lost() -> None:
    """A store object given to the service (no URL to open another) stays the one book."""
    first = _Book("given")
    pool = BookPool(first, None, 1, owns_first=False)  # type: ignore[arg-type]
    deadline = time.monotonic() + 5
    with pool.book(deadline, 5) as book:
        book.store.gone = True  # type: ignore[attr-defined]
    with pool.book(deadline, 5) as again:
        assert again is first
    pool.close()
    assert not first.store.closed


def test_the_service_reconnects_after_the_server_ends_its_sessions() -> None:
    """A real PostgreSQL server ends every session of the service (as a restart does): the
    request that meets the dead connection is refused with 503, the next one is served by a
    new connection and its settlement is stored."""
    from fastapi.testclient import TestClient

    from store_helpers import _connect, pg_schema, pg_url
    from zjj_medical.service.app import create_app
    from zjj_medical.store import LedgerBook
    from zjj_medical.store.access import issue_token

    pg_url()
    with pg_schema() as url:
        with LedgerBook.open(url) as book:
            token, _ = issue_token(book.store, "facility", "H1")
        app = create_app(url, workers=1)
        with TestClient(app) as http:
            first = http.post("/v1/settle", content=body(document("C1")), headers=auth(token))
            assert first.status_code == 200
            with _connect(pg_url()) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            codes = []
            for claim in ("C2", "C3"):
                r = http.post("/v1/settle", content=body(document(claim)), headers=auth(token))
                codes.append(r.status_code)
            # the first request after the sessions ended may meet the dead connection
            assert codes[-1] == 200
            assert codes[0] in (200, 503)
            r = http.get("/v1/claims/C3", headers=auth(token))
            assert r.status_code == 200
