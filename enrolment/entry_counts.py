"""The database triggers that keep `EntryCount` (entries per campaign, town, kind and status) exact.

Installed by migration 0008 and again after every ``migrate`` (SQLite drops a table's triggers when a
migration rebuilds the table; PostgreSQL replaces them in place), so no write path can forget them:
PostgreSQL counts each statement's rows once (statement-level triggers over transition tables: one grouped
upsert for a 100,000-row COPY), SQLite counts row by row (the embedded mode's lists are small). Counter rows
are upserted in key order, so two transactions take their row locks in the same order.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper

_UPSERT = (
    "INSERT INTO enrolment_entrycount (campaign_id, town_id, kind, status, entries) {rows} "
    "ON CONFLICT (campaign_id, town_id, kind, status) "
    "DO UPDATE SET entries = enrolment_entrycount.entries + excluded.entries"
)
_KEY = "campaign_id, town_id, kind, status"

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION enrolment_entry_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_UPSERT.format(rows=f"SELECT {_KEY}, count(*) FROM new_rows GROUP BY {_KEY} ORDER BY {_KEY}")};
        ELSIF TG_OP = 'DELETE' THEN
            {_UPSERT.format(rows=f"SELECT {_KEY}, -count(*) FROM old_rows GROUP BY {_KEY} ORDER BY {_KEY}")};
        ELSE
            {
        _UPSERT.format(
            rows=f"SELECT {_KEY}, sum(n) FROM (SELECT {_KEY}, 1 AS n FROM new_rows "
            f"UNION ALL SELECT {_KEY}, -1 FROM old_rows) AS moved "
            f"GROUP BY {_KEY} HAVING sum(n) <> 0 ORDER BY {_KEY}"
        )
    };
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS enrolment_entry_count_insert ON enrolment_pushentry",
    "DROP TRIGGER IF EXISTS enrolment_entry_count_update ON enrolment_pushentry",
    "DROP TRIGGER IF EXISTS enrolment_entry_count_delete ON enrolment_pushentry",
    "CREATE TRIGGER enrolment_entry_count_insert AFTER INSERT ON enrolment_pushentry "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION enrolment_entry_count_apply()",
    "CREATE TRIGGER enrolment_entry_count_update AFTER UPDATE ON enrolment_pushentry "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION enrolment_entry_count_apply()",
    "CREATE TRIGGER enrolment_entry_count_delete AFTER DELETE ON enrolment_pushentry "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION enrolment_entry_count_apply()",
]


def _sqlite_upsert(row: str, n: str) -> str:
    values = f"VALUES ({row}.campaign_id, {row}.town_id, {row}.kind, {row}.status, {n})"
    return _UPSERT.format(rows=values) + ";"


SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS enrolment_entry_count_insert AFTER INSERT ON enrolment_pushentry "
    f"BEGIN {_sqlite_upsert('NEW', '1')} END",
    "CREATE TRIGGER IF NOT EXISTS enrolment_entry_count_delete AFTER DELETE ON enrolment_pushentry "
    f"BEGIN {_sqlite_upsert('OLD', '-1')} END",
    "CREATE TRIGGER IF NOT EXISTS enrolment_entry_count_update "
    "AFTER UPDATE OF campaign_id, town_id, kind, status ON enrolment_pushentry "
    "WHEN OLD.campaign_id IS NOT NEW.campaign_id OR OLD.town_id IS NOT NEW.town_id "
    "OR OLD.kind IS NOT NEW.kind OR OLD.status IS NOT NEW.status "
    f"BEGIN {_sqlite_upsert('OLD', '-1')} {_sqlite_upsert('NEW', '1')} END",
]

REBUILD = [
    "DELETE FROM enrolment_entrycount",
    "INSERT INTO enrolment_entrycount (campaign_id, town_id, kind, status, entries) "
    f"SELECT {_KEY}, count(*) FROM enrolment_pushentry GROUP BY {_KEY}",
]


def entry_count_triggers_install(connection: BaseDatabaseWrapper) -> None:
    """Create (or replace) the triggers on this database; other vendors are not supported."""
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(connection.vendor)
    if statements is None:
        raise ImproperlyConfigured(
            f"entry counters need triggers written for {connection.vendor}: use PostgreSQL or SQLite"
        )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def entry_counts_rebuild(connection: BaseDatabaseWrapper) -> None:
    """Count every entry again (the migration's first fill; a repair should the counts ever be doubted)."""
    with connection.cursor() as cursor:
        for sql in REBUILD:
            cursor.execute(sql)
