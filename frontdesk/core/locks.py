"""Serializing transactions that could otherwise both pass the same check.

``lock_keys("customers:<org>:phone:+15125550142")`` before "is this phone taken?" makes
a second transaction asking the same question wait until the first commits, and then see
its rows. PostgreSQL: transaction-scoped advisory locks (taken in sorted order, so two
callers never deadlock; many keys in one statement). SQLite: nothing to do — with
``transaction_mode=IMMEDIATE`` write transactions already run one at a time.
"""

from __future__ import annotations

import hashlib

from django.db import connection


def lock_id(key: str) -> int:
    """A signed 64-bit advisory-lock id for ``key``."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def lock_keys(*keys: str) -> None:
    """Hold a lock on each key until the current transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("lock_keys() needs a transaction (transaction.atomic)")
    if connection.vendor != "postgresql" or not keys:
        return
    locks = sorted({lock_id(k) for k in keys})
    with connection.cursor() as cursor:
        if len(locks) == 1:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", locks)
            return
        # one round trip for many keys (a sending batch locks each of its customers):
        # unnest() yields the array's elements in order, so they are still taken sorted
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [locks]
        )
