"""The translator's domain modules import nothing from Django (the view and the command
are thin layers over them), as the engine imports nothing from the web app."""

import subprocess
import sys

DOMAIN = (
    "translator.model",
    "translator.vmx",
    "translator.ovf",
    "translator.mapping",
    "translator.to_vm_service",
    "translator.to_workload",
)


def test_domain_modules_import_no_django():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in DOMAIN)
        + "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
