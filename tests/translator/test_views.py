"""The translator's page: paste and upload, errors beside the field, CSRF, download, apply."""

import io
from pathlib import Path

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from playground import sandboxes
from playground.models import Sandbox

SAMPLES = Path(__file__).parent / "samples"
pytestmark = pytest.mark.django_db


def test_page_and_nav_link(client):
    page = client.get(reverse("translator:translate"))
    assert page.status_code == 200
    assert b'<a href="/translate/" aria-current="page">Translate a VM</a>' in page.content
    assert b'name="csrfmiddlewaretoken"' in page.content


def test_paste_a_vmx(client):
    text = (SAMPLES / "web01.vmx").read_text()
    page = client.post(reverse("translator:translate"), {"source": text})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Run it as a VM on the Supervisor" in body and "Re-platform it as a container workload" in body
    assert "vmoperator.vmware.com/v1alpha5" in body and "kind: Deployment" in body
    assert '<a href="/concepts/vm-monitoring-probes/">vm-monitoring-probes</a>' in body
    assert "simulated: stored, not run" in body


def test_upload_an_ova(client):
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in (
            ("sql01.ovf", (SAMPLES / "sql01.ovf").read_bytes()),
            ("sql01-disk1.vmdk", b"\0" * 4096),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    upload = SimpleUploadedFile("sql01.ova", buffer.getvalue(), content_type="application/x-tar")
    page = client.post(reverse("translator:translate"), {"file": upload})
    assert page.status_code == 200
    body = page.content.decode()
    assert "sql01.ova (sql01.ovf)" in body and "kind: StatefulSet" in body
    # The page carries the descriptor on under the member's name, for Download and Apply.
    assert 'name="filename" value="sql01.ovf"' in body


@pytest.mark.parametrize(
    "name, message",
    [
        ("xxe.ovf", "line 2: the descriptor declares an external entity"),
        ("entity-bomb.ovf", "line 2: the descriptor declares entities"),
        ("broken.ovf", "line 11, column 9: not well-formed XML (mismatched tag)"),
    ],
)
def test_hostile_upload_error_beside_the_field_and_nothing_stored(client, name, message):
    upload = SimpleUploadedFile(name, (SAMPLES / name).read_bytes())
    page = client.post(reverse("translator:translate"), {"file": upload})
    assert page.status_code == 400
    body = page.content.decode()
    assert 'id="file-error"' in body and message in body.replace("&lt;", "<").replace("&gt;", ">")
    assert 'aria-invalid="true"' in body
    assert Sandbox.objects.count() == 0


def test_pasted_error_keeps_the_text(client):
    page = client.post(reverse("translator:translate"), {"source": 'displayName = "a"\nnumvcpus = two\n'})
    assert page.status_code == 400
    body = page.content.decode()
    assert 'id="source-error"' in body and "line 2: expected key = &quot;value&quot;" in body
    assert "numvcpus = two" in body


def test_empty_post(client):
    page = client.post(reverse("translator:translate"), {"source": "  "})
    assert page.status_code == 400 and b"Paste a .vmx or an .ovf" in page.content


def test_csrf_is_required():
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("translator:translate"), {"source": "x"}).status_code == 403
    assert strict.post(reverse("translator:apply"), {"source": "x"}).status_code == 403


def test_download_yaml(client):
    text = (SAMPLES / "shop-vapp.ovf").read_text()
    response = client.post(
        reverse("translator:download"), {"source": text, "filename": "shop-vapp.ovf", "target": "workload"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="shop-workload.yaml"'
    docs = [d for d in yaml.safe_load_all(response.content) if d]
    assert [d["kind"] for d in docs].count("Service") == 4
    bad = client.post(reverse("translator:download"), {"source": text, "target": "nope"})
    assert bad.status_code == 400


def test_apply_workload_to_a_new_sandbox_reaches_running(client):
    text = (SAMPLES / "orders-api.ovf").read_text()
    response = client.post(
        reverse("translator:apply"),
        {"source": text, "filename": "orders-api.ovf", "target": "workload", "sandbox": "new"},
    )
    assert response.status_code == 302
    sandbox = Sandbox.objects.get()
    assert response["Location"] == reverse("playground:sandbox", args=[sandbox.public_id])
    assert sandbox.profile == "vsphere"
    cluster = sandboxes.restore(Sandbox.objects.get().state)
    cluster.advance(120)
    pods = cluster.list("Pod", namespace="default")
    assert [p["status"]["phase"] for p in pods] == ["Running"]
    page = client.get(response["Location"])
    assert b"deployment.apps/orders-api created" in page.content


def test_apply_vm_to_an_existing_sandbox_and_errors_beside_the_button(client):
    client.get("/")  # a session
    owner = client.session.get("visitor") or sandboxes.visitor(client.session)
    session = client.session
    session["visitor"] = owner
    session.save()
    sandbox = sandboxes.create(owner, "mine", "vsphere", capped=False)
    text = (SAMPLES / "web01.vmx").read_text()
    response = client.post(
        reverse("translator:apply"),
        {
            "source": text,
            "filename": "web01.vmx",
            "target": "vm",
            "sandbox": str(sandbox.public_id),
            "namespace": "dev-team",
        },
    )
    assert response.status_code == 302
    cluster = sandboxes.restore(Sandbox.objects.get(pk=sandbox.pk).state)
    assert [v["metadata"]["name"] for v in cluster.list("VirtualMachine", namespace="dev-team")] == ["web01"]
    missing = client.post(
        reverse("translator:apply"),
        {
            "source": text,
            "filename": "web01.vmx",
            "target": "vm",
            "sandbox": "00000000-0000-0000-0000-000000000000",
        },
    )
    assert missing.status_code == 404
    assert b'id="apply-error-vm"' in missing.content and b"There is no such sandbox" in missing.content


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_pasted_text_over_the_form_limit(client):
    page = client.post(reverse("translator:translate"), {"source": 'displayName = "a"\n' * 200})
    assert page.status_code == 400
    assert b'id="source-error"' in page.content and b"upload it as a file instead" in page.content
