"""The Recent Tasks pane: a partial that loads its own rows from playground:recent-tasks,
filtered and paged, newest first; isolated per visitor; usable without JavaScript."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client

from playground.models import Sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(client):
    response = client.post("/playground/try/self-healing")
    assert response.status_code == 302
    return Sandbox.objects.get()


def rows(html: str) -> list[str]:
    return re.findall(r'<td data-label="Reason"><span class="status-tag [a-z]+">(\w+)</span>', html)


def test_the_pane_included_with_only_the_sandbox_polls_its_own_view(sandbox):
    html = render_to_string("playground/_tasks_pane.html", {"sandbox": sandbox})
    url = f"/playground/{sandbox.public_id}/events"
    assert 'id="tasks-pane"' in html and "<details" in html and " open>" in html
    poller = re.search(r'<div id="tasks-rows"[^>]*>', html, re.S).group(0)
    assert f'hx-get="{url}"' in poller
    assert 'hx-trigger="load, every 3s, sandbox-changed from:body"' in poller
    assert 'hx-include="#tasks-filter, #tasks-page"' in poller
    form = re.search(r'<form id="tasks-filter".*?</form>', html, re.S).group(0)
    assert f'action="{url}"' in form and 'method="get"' in form
    for field in ('name="object"', 'name="reason"', 'name="type"'):
        assert field in form
    assert ">All<" in form and ">Normal<" in form and ">Warning<" in form
    assert 'id="tasks-page" name="page" value="1"' in html
    assert "Loading events" in html and "<noscript>" in html


def test_rows_come_newest_first_fifteen_a_page_with_newer_and_older(client, sandbox):
    url = f"/playground/{sandbox.public_id}/events"
    first = client.get(url, HTTP_HX_REQUEST="true")
    html = first.content.decode()
    assert first.status_code == 200 and "<html" not in html
    assert len(rows(html)) == 15
    times = re.findall(r'<time datetime="([^"]+)"', html)
    assert times == sorted(times, reverse=True)
    assert "Page 1 of" in html and ">Older<" in html and ">Newer<" not in html
    # The poll's page is kept: the response sets the hidden page input out of band.
    assert re.search(r'id="tasks-page" name="page" value="1" hx-swap-oob="true"', html)
    assert 'id="tasks-reasons" hx-swap-oob="true"' in html and '<option value="Scheduled">' in html
    # Older sends the live filter form with its page (hx-vals); its href works without JS.
    assert re.search(r"""hx-vals='\{"page": 2\}'[^>]*>Older<""", html)
    older = re.search(r'href="([^"]+)"[^>]*>Older<', html).group(1).replace("&amp;", "&")
    second = client.get(older, HTTP_HX_REQUEST="true").content.decode()
    assert "Page 2 of" in second and ">Newer<" in second
    assert 'id="tasks-page" name="page" value="2" hx-swap-oob="true"' in second
    assert set(re.findall(r'<time datetime="([^"]+)"', second)) and max(
        re.findall(r'<time datetime="([^"]+)"', second)
    ) <= min(times)


def test_the_filter_narrows_the_rows_and_stays_in_the_pager(client, sandbox):
    url = f"/playground/{sandbox.public_id}/events"
    base = f"/playground/{sandbox.public_id}"
    client.post(f"{base}/nodes/worker-1/fail")
    client.post(f"{base}/clock", {"do": "settle"})
    warnings = client.get(url, {"type": "Warning"}, HTTP_HX_REQUEST="true").content.decode()
    assert rows(warnings) and 'class="status-tag ok"' not in warnings
    assert "NodeNotReady" in warnings and "Host not responding" in warnings
    pods = client.get(url, {"object": "pod/", "reason": "sched"}, HTTP_HX_REQUEST="true").content.decode()
    assert set(rows(pods)) == {"Scheduled"} and "Deployment/web" not in pods
    assert "match the filter" in pods
    none = client.get(url, {"object": "no-such-thing"}, HTTP_HX_REQUEST="true").content.decode()
    assert "No events match the filter." in none and "Page 1 of 1" in none
    paged = client.get(url, {"type": "Normal"}, HTTP_HX_REQUEST="true").content.decode()
    assert re.search(r'href="[^"]*/events\?type=Normal&amp;page=2"', paged)


def test_every_row_has_an_analogue_cell_never_blank(client, sandbox):
    html = client.get(f"/playground/{sandbox.public_id}/events", HTTP_HX_REQUEST="true").content.decode()
    cells = re.findall(r'data-label="vSphere analogue">([^<]*)</td>', html)
    assert len(cells) == 15 and all(cell.strip() for cell in cells)
    assert "DRS initial placement" in html or "Power on VM" in html


def test_without_javascript_the_pane_is_a_page_of_its_own(client, sandbox):
    response = client.get(f"/playground/{sandbox.public_id}/events", {"type": "Normal", "page": "2"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and "Recent Tasks" in html
    assert "Loading events" not in html and "Page 2 of" in html
    assert rows(html) and "status-tag bad" not in html
    assert '<option value="Normal" selected>' in html
    assert html.count('id="tasks-page"') == 1


def test_another_visitor_gets_404(sandbox):
    other = Client()
    assert other.get(f"/playground/{sandbox.public_id}/events", HTTP_HX_REQUEST="true").status_code == 404
    assert other.get(f"/playground/{sandbox.public_id}/events").status_code == 404


def test_the_mirror_table_and_the_pane_share_one_table():
    tasks = [
        {
            "time": "2026-01-01T10:00:00Z",
            "type": "Warning",
            "reason": "NodeNotReady",
            "object": "Node/esx-1",
            "namespace": "",
            "message": "Node esx-1 status is now: NodeNotReady",
            "count": 2,
            "analogue": "Host not responding",
        }
    ]
    html = render_to_string("playground/_recent_tasks.html", {"tasks": tasks, "empty": "none"})
    assert '<h2 id="tasks-h">Recent Tasks' in html and "warning-row" in html and "×2" in html
    assert 'data-label="vSphere analogue">Host not responding</td>' in html
