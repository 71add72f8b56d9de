"""The markdown filter converts each text once per process, and a translated text in the
language active when it is shown."""

from django.utils import translation
from django.utils.translation import gettext_lazy

from concepts.templatetags import concept_tags


def test_the_same_text_is_converted_once_and_gives_the_same_html():
    concept_tags._html.cache_clear()
    text = "A **pod** runs on a *node*:\n\n1. one\n2. two\n"
    first = concept_tags.render_markdown(text)
    second = concept_tags.render_markdown(text)
    assert (
        first
        == second
        == ("<p>A <strong>pod</strong> runs on a <em>node</em>:</p>\n<ol>\n<li>one</li>\n<li>two</li>\n</ol>")
    )
    info = concept_tags._html.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_a_lazy_translation_is_converted_in_the_language_active_when_shown():
    lazy = gettext_lazy("Labs")
    with translation.override("zh-hans"):
        chinese = concept_tags.render_markdown(lazy)
    with translation.override("en"):
        english = concept_tags.render_markdown(lazy)
    with translation.override("zh-hans"):
        again = concept_tags.render_markdown(lazy)
    assert (chinese, english, again) == ("<p>实验</p>", "<p>Labs</p>", "<p>实验</p>")
