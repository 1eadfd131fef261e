"""On PostgreSQL, refuse UPDATE and DELETE of submitted revisions and of the opening record in the
database itself, so that not even raw SQL from a shell or a bulk operation changes a submitted price.

Other databases (SQLite for development) rely on the model and QuerySet guards in quotes.models.
TRUNCATE is not covered on purpose: it is what the test-suite flush uses, and it is an operator's
act on a whole table, not something any code path of CotAi issues.
"""

from django.db import migrations

TABLES = ("quotes_quoterevision", "quotes_tenderopening", "quotes_openingentry")

CREATE = [
    """
    CREATE OR REPLACE FUNCTION quotes_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'CotAi: rows of % are immutable; % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    *(
        f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION quotes_refuse_change();"
        for table in TABLES
    ),
]
DROP = [
    *(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};" for table in TABLES),
    "DROP FUNCTION IF EXISTS quotes_refuse_change();",
]


class PostgresOnlyRunSQL(migrations.RunSQL):
    """RunSQL that runs on PostgreSQL and is a no-op elsewhere (the SQL is PL/pgSQL)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("quotes", "0001_initial")]

    operations = [PostgresOnlyRunSQL(sql=CREATE, reverse_sql=DROP, elidable=False)]
