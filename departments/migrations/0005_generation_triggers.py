"""A token that changes with every change to the tables routing and the regulation read
(departments/snapshot.py): statement-level triggers, TRUNCATE included, on each of them.

Not a Django model: a test database's flush leaves it alone, and the TRUNCATE of the flush gives it
a new token through the triggers."""

from django.db import migrations

# departments.snapshot.TABLES as of this migration.
TABLES = ("departments_bureau", "departments_division", "departments_routingrule",
          "departments_processingrule", "departments_escalationstep", "departments_calendaroverride")

INSTALL = """
CREATE TABLE departments_generation (
    id smallint PRIMARY KEY CHECK (id = 1),
    token uuid NOT NULL,
    changed_at timestamptz NOT NULL
);
INSERT INTO departments_generation VALUES (1, gen_random_uuid(), now());
CREATE FUNCTION departments_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO departments_generation VALUES (1, gen_random_uuid(), now())
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END $$;
""" + "".join(f"""
CREATE TRIGGER departments_generation_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION departments_generation_bump();
""" for table in TABLES)

DROP = "".join(f"""
DROP TRIGGER IF EXISTS departments_generation_bump ON {table};
""" for table in TABLES) + """
DROP FUNCTION IF EXISTS departments_generation_bump();
DROP TABLE IF EXISTS departments_generation;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0004_routing_rule_district_snsmap"),
    ]

    operations = [
        migrations.RunSQL(INSTALL, DROP),
    ]
