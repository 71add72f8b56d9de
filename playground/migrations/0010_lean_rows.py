"""Sandbox and snapshot states stored compressed (PackedTextField), snapshots' objects as
shared StateParts. Existing rows are converted: each state is copied into the new binary
column (compressed on the way in) before the text column goes; an old snapshot keeps its
objects inline, which loads as before. The migration reverses too: parts go back inline
and the text columns are filled again before they become NOT NULL."""

import django.db.models.deletion
import orjson
from django.db import migrations, models

import playground.models


def pack_states(apps, _schema_editor):
    for model in ("Sandbox", "Snapshot"):
        rows = apps.get_model("playground", model).objects
        for pk, state in rows.values_list("pk", "state").iterator(chunk_size=100):
            rows.filter(pk=pk).update(packed=state)


def unpack_states(apps, _schema_editor):
    for model in ("Sandbox", "Snapshot"):
        rows = apps.get_model("playground", model).objects
        for pk, packed in rows.values_list("pk", "packed").iterator(chunk_size=100):
            rows.filter(pk=pk).update(state=packed)


def inline_parts(apps, _schema_editor):
    """Reverse only: put every object a state or snapshot names by digest back in place,
    as 0009's code reads them (the parts table goes after this)."""
    parts = apps.get_model("playground", "StatePart").objects
    for model in ("Sandbox", "Snapshot"):
        rows = apps.get_model("playground", model).objects
        for pk in rows.values_list("pk", flat=True).iterator(chunk_size=100):
            row = rows.get(pk=pk)
            sandbox = row.pk if model == "Sandbox" else row.sandbox_id
            data = orjson.loads(row.state)
            store = data["store"]
            controllers = data.get("controllers") or {}
            named = [r[5] for r in store["history"] if type(r[5]) is str]
            named += [o for objs in store["objects"].values() for o in objs if type(o) is str]
            named += [c for c in controllers.values() if type(c) is str]  # a large one is a part
            if not named:
                continue
            found = {
                digest: orjson.loads(playground.models.unpack(raw))
                for digest, raw in parts.filter(sandbox_id=sandbox, digest__in=set(named)).values_list(
                    "digest", "data"
                )
            }
            for r in store["history"]:
                if type(r[5]) is str:
                    r[5] = found.get(r[5])
            for kind, objs in store["objects"].items():
                store["objects"][kind] = [
                    found[o] if type(o) is str else o for o in objs if type(o) is not str or o in found
                ]
            for name, state in controllers.items():
                if type(state) is str:
                    controllers[name] = found.get(state, {})
            rows.filter(pk=pk).update(state=orjson.dumps(data).decode())


class Migration(migrations.Migration):
    dependencies = [
        ("playground", "0009_sandbox_identity"),
    ]

    operations = [
        migrations.AddField(
            model_name="sandbox",
            name="packed",
            field=playground.models.PackedTextField(null=True),
        ),
        migrations.AddField(
            model_name="snapshot",
            name="packed",
            field=playground.models.PackedTextField(null=True),
        ),
        # Nullable while both columns exist, so that the reverse can add the text column
        # back to filled rows and fill it before it is NOT NULL again.
        migrations.AlterField(model_name="sandbox", name="state", field=models.TextField(null=True)),
        migrations.AlterField(model_name="snapshot", name="state", field=models.TextField(null=True)),
        migrations.RunPython(pack_states, unpack_states),
        migrations.RemoveField(model_name="sandbox", name="state"),
        migrations.RemoveField(model_name="snapshot", name="state"),
        migrations.RenameField(model_name="sandbox", old_name="packed", new_name="state"),
        migrations.RenameField(model_name="snapshot", old_name="packed", new_name="state"),
        migrations.AlterField(
            model_name="sandbox",
            name="state",
            field=playground.models.PackedTextField(),
        ),
        migrations.AlterField(
            model_name="snapshot",
            name="state",
            field=playground.models.PackedTextField(),
        ),
        migrations.AddField(
            model_name="snapshot",
            name="parts",
            field=models.JSONField(default=list),
        ),
        migrations.CreateModel(
            name="StatePart",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=32)),
                ("data", models.BinaryField()),
                (
                    "sandbox",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="parts",
                        to="playground.sandbox",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("sandbox", "digest"), name="one_part_per_digest")
                ],
            },
        ),
        migrations.RunPython(migrations.RunPython.noop, inline_parts),
    ]
