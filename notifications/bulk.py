"""Inserting many rows in few statements, on every database.

A fan-out writes thousands of rows; building a model instance per row and letting ``bulk_create``
prepare every value costs more than the database does, and on SQLite Django caps an INSERT at 999
parameters (a few dozen rows of a wide table). So rows are given as plain dicts of column values
(by attribute name, e.g. ``recipient_id``) and written with:

- PostgreSQL: one ``COPY ... FROM STDIN`` per table (psycopg 3), recorded in the query log like
  any statement, so query counts stay honest;
- other databases: one prepared INSERT executed for every row (``executemany``).

Ids are not returned: callers read them back by a key they set (the fan-out's ``event_id``), one
query whatever the number of rows. Fields missing from the dicts take their default (computed
once per call).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _postgres_converter(field: models.Field) -> Callable[[Any], Any]:
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else json.dumps(value, cls=DjangoJSONEncoder)
    return lambda value: value  # psycopg adapts str, int, bool, datetime, UUID and None itself


def insert(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts of attribute name -> value) into ``model``'s table."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    fields = _columns(model)
    defaults = {field.attname: field.get_default() for field in fields if field.attname not in rows[0]}
    names = [field.attname for field in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    if connection.vendor == "postgresql":
        converters = [_postgres_converter(field) for field in fields]
        sql = f"COPY {table} ({columns}) FROM STDIN"
        started = time.monotonic()
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(
                    [
                        convert(row[name] if name in row else defaults[name])
                        for name, convert in zip(names, converters, strict=True)
                    ]
                )
        if connection.queries_logged:
            connection.queries_log.append(
                {"sql": f"{len(rows)} rows: {sql}", "time": f"{time.monotonic() - started:.3f}"}
            )
        return
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608 - names from model metadata
    prepared = [
        [
            field.get_db_prep_save(row[field.attname] if field.attname in row else defaults[field.attname], connection)
            for field in fields
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
