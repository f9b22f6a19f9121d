"""The embedded store's write lock, asked from outside: for tests of who holds it when."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def write_lock_held(db: Path) -> bool:
    """Whether another connection holds the file's write lock right now."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()
