"""How far a long import has got, visible to its page while the import's own transaction is still open.

The count goes to the cache (what the page's progress JSON reads first) and, on PostgreSQL, to the import's
row through a second connection, so that it survives the cache. A push-list batch and a department's
reference list report the same way.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection, connections, models

logger = logging.getLogger(__name__)

CACHE_SECONDS = 3600


class RowProgress:
    """Rows checked so far, written to ``model``'s ``rows_done``/``rows_total`` for the row ``pk``."""

    def __init__(self, model: type[models.Model], pk: int | None, cache_key: str) -> None:
        self.table = model._meta.db_table
        self.pk = pk
        self.cache_key = cache_key
        self.connection = None
        if pk is None:
            return
        # A second connection only helps when the import's row is committed and unlocked: not inside an outer
        # transaction (a test case, or a caller's atomic block), where it would wait on the caller's lock.
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.connection = connections.create_connection(connection.alias)

    def __call__(self, rows_done: int, rows_total: int = 0) -> None:
        if self.pk is None:
            return
        cache.set(self.cache_key, (rows_done, rows_total), CACHE_SECONDS)
        if self.connection is None:
            return
        try:
            with self.connection.cursor() as cursor:
                # A lock we cannot get at once means someone else is working on the row: skip this update.
                cursor.execute("SET lock_timeout = '500ms'")
                cursor.execute(
                    f"UPDATE {self.table} SET rows_done = %s, rows_total = %s WHERE id = %s",
                    [rows_done, rows_total, self.pk],
                )
        except Exception:  # progress is a courtesy: the import must not fail because of it
            logger.warning("%s %s: progress update failed", self.table, self.pk, exc_info=True)
            self.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def row_progress(row: models.Model, cache_key: str, *, running: bool) -> tuple[int, int]:
    """(rows done, rows total) of an import: the freshest of its row and the cache while it runs."""
    if not running:
        return row.rows_done, row.rows_total
    cached = cache.get(cache_key)
    if cached and cached[0] > row.rows_done:
        return cached
    return row.rows_done, row.rows_total
