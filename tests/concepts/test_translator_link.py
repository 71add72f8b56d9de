"""Issue 20: the .vmx/OVF pair points to the VM translator, and the link leads to it."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_vmx_ovf_pair_links_to_the_translator_and_the_link_resolves(client):
    html = client.get("/concepts/vmx-ovf-manifests/").content.decode()
    differ = html[html.index('id="differ-h"') :]
    links = re.findall(r'<a href="([^"]+)">VM translator</a>', differ)
    assert links == ["/translate/"]
    page = client.get(links[0])
    assert page.status_code == 200
    assert 'name="source"' in page.content.decode()
