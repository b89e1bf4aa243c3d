"""learnloop refuses a store that could lose an acknowledged event, unless told otherwise."""

import sqlite3

import pytest

from adapters.persistence.database import open_store
from adapters.persistence.durability import UnsafeDurability, assert_durable, problems


def test_a_store_as_learnloop_opens_it_is_durable(open_learnloop):
    ll = open_learnloop()
    assert problems(ll.store) == []


def test_an_sqlite_file_not_in_wal_mode_is_refused(tmp_path):
    path = tmp_path / "rollback-journal.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    store = open_store(f"sqlite:///{path}")
    try:
        assert problems(store) == ["SQLite journal_mode is delete, not wal"]
        with pytest.raises(UnsafeDurability, match="LEARNLOOP_ALLOW_UNSAFE_DURABILITY"):
            assert_durable(store)
        assert_durable(store, allow_unsafe=True)
    finally:
        store.dispose()
