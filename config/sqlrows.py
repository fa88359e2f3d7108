"""Model instances from hand-written SQL that selects the rows of several models side by side.

For the few lookups that every API request makes (its token with the user, the caller's membership with the
study): for such a join the ORM spends several times more CPU building and compiling the query than the database
spends answering it. The SQL is written once per process; its column lists come from the models' own metadata, so
a new field needs no change here, and the values go through the converters the ORM itself would apply (decryption
of encrypted fields included).

    TOKEN = JoinedRows(
        "SELECT {token}, {user} FROM {token_table} t JOIN {user_table} u ON u.id = t.user_id WHERE t.prefix = %s",
        token=(ApiToken, "t"),
        user=(User, "u"),
    )
    for token, user in TOKEN.fetch([prefix]): ...
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.sql import Query


class JoinedRows:
    """A fixed SELECT whose columns are the concrete fields of some models (in the order given), then extras.

    `sql` names each model's column list as `{name}` and each model's table as `{name_table}`; `models` maps each
    name to (model, alias used in the SQL); `tables` names the tables of other models the SQL reads. A row comes
    back as one instance per model, then the extra columns (whatever the SQL selects after the models' columns) as
    plain values. A model whose primary key comes back NULL (the far side of a LEFT JOIN that found nothing) is
    None in the row.
    """

    def __init__(
        self,
        sql: str,
        *,
        using: str = DEFAULT_DB_ALIAS,
        tables: dict[str, type[Model]] | None = None,
        **models: tuple[type[Model], str],
    ) -> None:
        self.template, self.using, self.aliases, self.tables = sql, using, models, tables or {}
        self.models = [(model, tuple(model._meta.concrete_fields)) for model, _ in models.values()]
        self._pk_at = [fields.index(model._meta.pk) for model, fields in self.models]
        self._converters: dict[int, Any] | None = None

    @cached_property
    def sql(self) -> str:
        """The statement with the column lists and table names filled in (built on first use, not at import)."""
        quote = connections[self.using].ops.quote_name
        names: dict[str, str] = {}
        for name, (model, alias) in self.aliases.items():
            names[name] = ", ".join(f"{alias}.{quote(str(field.column))}" for field in model._meta.concrete_fields)
            names[f"{name}_table"] = quote(model._meta.db_table)
        names.update(table_names(self.using, **self.tables))
        return self.template.format(**names)

    def fetch(self, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with prepared_cursor(self.using) as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        return list(self._instances(rows))

    def _instances(self, rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        compiler = Query(None).get_compiler(self.using)
        if self._converters is None:
            columns = [field.get_col(model._meta.db_table) for model, fields in self.models for field in fields]
            self._converters = compiler.get_converters(columns)
        converted = compiler.apply_converters(rows, self._converters) if self._converters else rows
        for row in converted:
            start, instances = 0, []
            for (model, fields), pk_at in zip(self.models, self._pk_at, strict=True):
                values = row[start : start + len(fields)]
                found = values[pk_at] is not None
                instances.append(model.from_db(self.using, [f.attname for f in fields], values) if found else None)
                start += len(fields)
            yield (*instances, *row[start:])


def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> Any:
    """A cursor whose statements PostgreSQL prepares once per connection (config.postgresql), or a plain one."""
    connection = connections[using]
    return getattr(connection, "prepared_cursor", connection.cursor)()


def table_names(using: str = DEFAULT_DB_ALIAS, **models: type[Model]) -> dict[str, str]:
    """`{name: quoted table name}` for filling hand-written SQL."""
    quote = connections[using].ops.quote_name
    return {name: quote(model._meta.db_table) for name, model in models.items()}


def iso_datetime(column: str, vendor: str) -> str:
    """SQL that writes a UTC datetime column exactly as DRF's JSON does (`2026-11-26T03:56:07.123456Z`, with no
    fraction when it is zero), so a hot list need not parse datetimes in Python only to format them again.

    `vendor` is the connection's (`connection.vendor`): PostgreSQL, or SQLite for the embedded run.
    """
    if vendor == "postgresql":
        return (
            f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
            f" || CASE WHEN mod(date_part('microseconds', {column})::integer, 1000000) = 0 THEN ''"
            f" ELSE to_char({column} AT TIME ZONE 'UTC', '.US') END || 'Z'"
        )
    # SQLite keeps Django's datetimes as UTC text, `YYYY-MM-DD HH:MM:SS[.ffffff]`.
    return f"replace({column}, ' ', 'T') || 'Z'"


class KeysetRows:
    """Just enough of a QuerySet for DRF's CursorPagination over one hand-written SELECT: `order_by` and `filter`
    on one unique integer key (`<key>__gt`, `<key>__lt`), and slicing, which runs the query.

    `sql` selects the columns, named as the rows' keys, and ends in a WHERE clause; rows come back as dicts.
    """

    def __init__(self, sql: str, params: list[Any], *, key: str, column: str, using: str = DEFAULT_DB_ALIAS) -> None:
        self.sql, self.params, self.key, self.column, self.using = sql, params, key, column, using
        self.descending = False
        self.bounds: list[tuple[str, Any]] = []

    def _copy(self) -> KeysetRows:
        copy = KeysetRows(self.sql, self.params, key=self.key, column=self.column, using=self.using)
        copy.descending, copy.bounds = self.descending, list(self.bounds)
        return copy

    def order_by(self, *ordering: str) -> KeysetRows:
        if ordering not in ((self.key,), (f"-{self.key}",)):
            raise ValueError(f"Only ordering by {self.key} is supported, not {ordering}.")
        copy = self._copy()
        copy.descending = ordering[0].startswith("-")
        return copy

    def filter(self, **lookups: Any) -> KeysetRows:
        copy = self._copy()
        for lookup, value in lookups.items():
            operator = {f"{self.key}__gt": ">", f"{self.key}__lt": "<"}.get(lookup)
            if operator is None:
                raise ValueError(f"Only {self.key}__gt and {self.key}__lt are supported, not {lookup}.")
            copy.bounds.append((operator, int(value)))  # StableCursorPagination lets only whole numbers in
        return copy

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        start, stop = window.start or 0, window.stop
        sql = self.sql + "".join(f" AND {self.column} {operator} %s" for operator, _ in self.bounds)
        sql += f" ORDER BY {self.column} {'DESC' if self.descending else 'ASC'} LIMIT %s OFFSET %s"
        params = [*self.params, *(value for _, value in self.bounds), stop - start, start]
        with prepared_cursor(self.using) as cursor:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]  # DB-API: the name comes first
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
