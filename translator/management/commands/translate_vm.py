"""manage.py translate_vm FILE [--as vm|workload]: the translator from the command line.

Without --as it prints the mapping table; with it, the YAML of that translation (pipe it
to kubectl apply -f -). An .ova is read member by member and only its .ovf is read.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from translator import mapping, ovf, service, to_vm_service, to_workload
from translator.model import MAX_BYTES, TranslateError


class Command(BaseCommand):
    help = (
        "Translate a VM's .vmx, .ovf or .ova to Kubernetes: the mapping table, or --as vm|workload for YAML."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .vmx, .ovf or .ova")
        parser.add_argument(
            "--as",
            dest="target",
            choices=service.TARGETS,
            help="print the YAML of one translation: vm (VM Service) or workload (Deployment/StatefulSet)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            source = _read(path)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from None
        except TranslateError as error:
            raise CommandError(f"{path}: {error}") from None
        target = options["target"]
        if target == "vm":
            self.stdout.write(service.to_yaml(source, to_vm_service.translate(source), "vm"), ending="")
        elif target == "workload":
            self.stdout.write(service.to_yaml(source, to_workload.translate(source), "workload"), ending="")
        else:
            self.stdout.write(_table(mapping.rows(source)))


def _read(path: Path):
    with path.open("rb") as stream:
        if path.suffix.lower() == ".ova":
            name, text = ovf.descriptor_from_ova(stream)  # seeks past the disks
            return ovf.parse(text, f"{path.name} ({name})", kind="ova")
        data = stream.read(MAX_BYTES + 1)
    return ovf.read(data, path.name)


def _table(rows) -> str:
    lines = []
    for row in rows:
        lines.append(f"{row.machine}: {row.key} = {row.value}  [{row.where}]")
        lines.append(f"    VM Service: {row.vm}")
        lines.append(f"    Workload:   {row.workload}")
        lines.append(f"    Concept:    /concepts/{row.concept}/")
    return "\n".join(lines) + "\n"
