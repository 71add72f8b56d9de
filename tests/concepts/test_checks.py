from concepts.checks import graphviz_dot_installed


def test_no_error_when_dot_is_installed(settings):
    settings.GRAPHVIZ_DOT = "dot"
    assert graphviz_dot_installed(None) == []


def test_a_clear_error_when_dot_is_missing(settings):
    settings.GRAPHVIZ_DOT = "dot-that-is-not-installed"
    [error] = graphviz_dot_installed(None)
    assert error.id == "concepts.E001"
    assert "'dot-that-is-not-installed' was not found" in error.msg
    assert "apt-get install graphviz" in error.hint
