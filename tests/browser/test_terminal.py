"""The kubectl terminal in a real browser (Playwright driving Debian's Chromium): type a
command and see its output, Tab completion, history, a heredoc apply, an in-band error,
"Run this" from a concept page. Screenshots under test-artifacts/."""

import re

import pytest

from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screen(page) -> str:
    return page.evaluate("window.kubeTerminal.text()")


def wait_for_text(page, text, timeout=10_000):
    page.wait_for_function(
        "t => window.kubeTerminal && window.kubeTerminal.text().includes(t)", arg=text, timeout=timeout
    )


def prompt_line(page) -> str:
    """The last line on the screen that starts with the prompt."""
    lines = [line for line in screen(page).splitlines() if line.startswith("$ ")]
    return lines[-1].rstrip() if lines else ""


def wait_for_idle(page):
    page.wait_for_function("() => document.getElementById('terminal').getAttribute('aria-busy') === 'false'")


def test_the_terminal_runs_completes_recalls_and_applies(live_server, chromium_browser):
    page = chromium_browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{live_server.url}/concepts/ft-ha-replicasets/")
    # "Run this" opens a new sandbox with the command waiting at the prompt, not run.
    page.locator("form.run-this-form").filter(
        has=page.locator('input[value*="kubectl get"]')
    ).first.get_by_role("button").click()
    page.wait_for_url(re.compile(r"/playground/[0-9a-f-]+/\?type="))
    page.wait_for_function("() => window.kubeTerminal !== undefined")
    typed = page.url.split("type=", 1)[1]
    assert prompt_line(page).startswith("$ kubectl get"), screen(page)
    assert "NAME" not in screen(page) and typed
    shot(page, "terminal-01-run-this")

    page.evaluate("window.kubeTerminal.focus()")
    page.keyboard.press("Control+c")
    wait_for_text(page, "^C")
    page.keyboard.type("kubectl get deploy")
    page.keyboard.press("Enter")
    wait_for_text(page, "UP-TO-DATE")
    wait_for_idle(page)
    assert re.search(r"\nweb\s+\d/3", screen(page))

    # Tab completes a short name to the plural, inline.
    page.keyboard.type("kubectl get po")
    page.keyboard.press("Tab")
    page.wait_for_function("() => window.kubeTerminal.text().includes('$ kubectl get pods ')")
    page.keyboard.press("Enter")
    wait_for_text(page, "RESTARTS")
    wait_for_idle(page)

    # Several candidates are listed below the prompt, as bash lists them.
    page.keyboard.type("kubectl rollout ")
    page.keyboard.press("Tab")
    wait_for_text(page, "history")
    assert "restart" in screen(page) and prompt_line(page) == "$ kubectl rollout"
    page.keyboard.press("Control+c")

    # Up recalls the last command.
    page.keyboard.press("ArrowUp")
    page.wait_for_function(
        "() => { const l = window.kubeTerminal.text().split('\\n').filter(x => x.startsWith('$ ')); "
        "return l[l.length - 1].trim() === '$ kubectl get pods'; }"
    )
    page.keyboard.press("Control+c")

    # A heredoc, typed line by line with the continuation prompt.
    page.keyboard.type("kubectl apply -f - <<EOF")
    page.keyboard.press("Enter")
    for line in [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: from-terminal",
        "data:",
        "  level: info",
    ]:
        wait_for_text(page, "> ")
        page.keyboard.type(line)
        page.keyboard.press("Enter")
    page.keyboard.type("EOF")
    page.keyboard.press("Enter")
    wait_for_text(page, "configmap/from-terminal created")
    wait_for_idle(page)
    page.keyboard.type("kubectl get cm from-terminal")
    page.keyboard.press("Enter")
    wait_for_text(page, "DATA")
    wait_for_idle(page)

    # A typo is answered in the terminal with kubectl's suggestion.
    page.keyboard.type("kubectl gte pods")
    page.keyboard.press("Enter")
    wait_for_text(page, "Did you mean this?")
    wait_for_idle(page)
    assert 'Error: unknown command "gte" for "kubectl"' in screen(page)

    # window.kubeTerminal.run() runs pasted text with several lines the same way.
    page.evaluate(
        "window.kubeTerminal.run('kubectl apply -f - <<YAML\\napiVersion: v1\\nkind: Namespace\\n"
        "metadata:\\n  name: pasted\\nYAML')"
    )
    wait_for_text(page, "namespace/pasted created")
    shot(page, "terminal-02-session")

    # History survives a reload (localStorage, per sandbox); `clear` empties the screen.
    page.reload()
    page.wait_for_function("() => window.kubeTerminal !== undefined")
    page.evaluate("window.kubeTerminal.focus()")
    page.keyboard.press("ArrowUp")
    page.wait_for_function("() => window.kubeTerminal.text().includes('$ kubectl apply -f - <<YAML')")
    page.keyboard.press("Control+c")
    page.keyboard.type("clear")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.kubeTerminal.text().trim() === '$'")
    assert prompt_line(page) == "$" and "YAML" not in screen(page)
    page.close()
