"""The database's guarantee that every push-list entry names a campaign, town, village and batches that exist,
checked once per statement instead of once per row.

A foreign key checks each inserted row on its own (≈ 0.9 s a key for a 100,000-row COPY), although an import
names one campaign, one batch and a handful of towns and villages for all its rows. These columns therefore
carry no foreign-key constraint (``db_constraint=False``); the triggers here give the same guarantee set-based:

* inserting or updating entries checks that the distinct ids they name exist, and locks those rows
  ``FOR KEY SHARE`` as a foreign key does, so they cannot be deleted before the entries commit;
* deleting a campaign, town, village or batch that entries still name is refused (the ORM's PROTECT
  refuses it first; this is for every other path).

PostgreSQL: statement-level triggers over transition tables; SQLite (the embedded mode): row-level.
Installed by migration 0010 and again after every ``migrate`` (see `enrolment.apps`). An offending statement
fails with an IntegrityError (SQLSTATE 23503 on PostgreSQL, as a foreign key's would).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper

_MESSAGE = "推送清单条目引用的记录不存在或仍被引用"
# Referenced table → the entry columns naming it.
REFERENCES: dict[str, tuple[str, ...]] = {
    "campaigns_campaign": ("campaign_id",),
    "campaigns_town": ("town_id",),
    "campaigns_village": ("village_id",),
    "enrolment_batch": ("batch_id", "last_pushed_batch_id"),
}


# The columns the checks read, each once, in the order of REFERENCES.
_COLUMNS = tuple(dict.fromkeys(c for columns in REFERENCES.values() for c in columns))


def _ids_of(columns: tuple[str, ...]) -> str:
    """The distinct ids the named combinations hold in these columns (NULLs left out)."""
    if len(columns) == 1:
        return f"ARRAY(SELECT DISTINCT {columns[0]} FROM named WHERE {columns[0]} IS NOT NULL)"
    each = ", ".join(f"({c})" for c in columns)
    return f"ARRAY(SELECT DISTINCT id FROM named CROSS JOIN LATERAL (VALUES {each}) AS v (id) WHERE id IS NOT NULL)"


def _check_table(n: int, table: str) -> str:
    return f"""
        IF cardinality(ids_{n}) > 0 THEN
            SELECT count(*) INTO found FROM (SELECT 1 FROM {table} WHERE id = ANY(ids_{n}) FOR KEY SHARE) AS locked;
            IF found < cardinality(ids_{n}) THEN
                RAISE EXCEPTION '{_MESSAGE}（{table}）' USING ERRCODE = 'foreign_key_violation';
            END IF;
        END IF;"""


# Each referenced table's rows still named by an entry. A batch's own entries are found by their first batch;
# the last pushed batch needs its own (partial) index only where it differs, on an entry pushed again later.
_NAMED_BY = {
    "campaigns_campaign": "EXISTS (SELECT 1 FROM enrolment_pushentry e WHERE e.campaign_id = o.id)",
    "campaigns_town": "EXISTS (SELECT 1 FROM enrolment_pushentry e WHERE e.town_id = o.id)",
    # A village's entries by the (town, village) index, one probe per town (LIMIT keeps the planner from a scan).
    "campaigns_village": "EXISTS (SELECT 1 FROM campaigns_town t CROSS JOIN LATERAL (SELECT 1 FROM "
    "enrolment_pushentry e WHERE e.town_id = t.id AND e.village_id = o.id LIMIT 1) AS named)",
    "enrolment_batch": "EXISTS (SELECT 1 FROM enrolment_pushentry e WHERE e.batch_id = o.id) "
    "OR EXISTS (SELECT 1 FROM enrolment_pushentry e WHERE e.last_pushed_batch_id = o.id "
    "AND e.last_pushed_batch_id <> e.batch_id)",
}


def _referenced_table(table: str) -> str:
    return f"""
        IF TG_TABLE_NAME = '{table}' THEN
            PERFORM 1 FROM old_rows o WHERE {_NAMED_BY[table]};
        END IF;"""


_IDS = [f"ids_{n}" for n in range(len(REFERENCES))]
_DECLARE = "".join(f"\n        {ids} bigint[];" for ids in _IDS)

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION enrolment_entry_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE{_DECLARE}
        found integer;
    BEGIN
        -- One pass over the statement's rows: the distinct combinations of the columns named (a few hundred for
        -- a 100,000-row import), then each referenced table's distinct ids from those.
        WITH named AS MATERIALIZED (SELECT DISTINCT {", ".join(_COLUMNS)} FROM new_rows)
        SELECT {", ".join(_ids_of(columns) for columns in REFERENCES.values())}
        INTO {", ".join(_IDS)};{"".join(_check_table(n, table) for n, table in enumerate(REFERENCES))}
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION enrolment_entry_referenced_check() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 WHERE false;{"".join(_referenced_table(table) for table in REFERENCES)}
        IF FOUND THEN
            RAISE EXCEPTION '{_MESSAGE}（%）', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS enrolment_entry_references_insert ON enrolment_pushentry",
    "DROP TRIGGER IF EXISTS enrolment_entry_references_update ON enrolment_pushentry",
    "CREATE TRIGGER enrolment_entry_references_insert AFTER INSERT ON enrolment_pushentry "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION enrolment_entry_references_check()",
    "CREATE TRIGGER enrolment_entry_references_update AFTER UPDATE ON enrolment_pushentry "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION enrolment_entry_references_check()",
]
for _table in REFERENCES:
    POSTGRESQL += [
        f"DROP TRIGGER IF EXISTS enrolment_entry_referenced ON {_table}",
        f"CREATE TRIGGER enrolment_entry_referenced AFTER DELETE ON {_table} REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION enrolment_entry_referenced_check()",
    ]

_SQLITE_RAISE = f"BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {_MESSAGE}'); END"
_SQLITE_MISSING = " OR ".join(
    f"(NEW.{c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} WHERE id = NEW.{c}))"
    for table, columns in REFERENCES.items()
    for c in columns
)
_ALL_COLUMNS = ", ".join(c for columns in REFERENCES.values() for c in columns)
SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS enrolment_entry_references_insert BEFORE INSERT ON enrolment_pushentry "
    f"WHEN {_SQLITE_MISSING} {_SQLITE_RAISE}",
    f"CREATE TRIGGER IF NOT EXISTS enrolment_entry_references_update BEFORE UPDATE OF {_ALL_COLUMNS} "
    f"ON enrolment_pushentry WHEN {_SQLITE_MISSING} {_SQLITE_RAISE}",
]
for _table, _columns in REFERENCES.items():
    _used = " OR ".join(f"{c} = OLD.id" for c in _columns)
    SQLITE.append(
        f"CREATE TRIGGER IF NOT EXISTS enrolment_entry_referenced_{_table} BEFORE DELETE ON {_table} "
        f"WHEN EXISTS (SELECT 1 FROM enrolment_pushentry WHERE {_used}) {_SQLITE_RAISE}"
    )


def entry_reference_triggers_install(connection: BaseDatabaseWrapper) -> None:
    """Create (or replace) the reference checks on this database; other vendors are not supported."""
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(connection.vendor)
    if statements is None:
        raise ImproperlyConfigured(
            f"entry reference checks need triggers written for {connection.vendor}: use PostgreSQL or SQLite"
        )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def entry_reference_triggers_uninstall(connection: BaseDatabaseWrapper) -> None:
    postgresql = connection.vendor == "postgresql"
    names = [("enrolment_entry_references_insert", "enrolment_pushentry")]
    names.append(("enrolment_entry_references_update", "enrolment_pushentry"))
    for table in REFERENCES:
        names.append(("enrolment_entry_referenced" if postgresql else f"enrolment_entry_referenced_{table}", table))
    with connection.cursor() as cursor:
        for name, table in names:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
