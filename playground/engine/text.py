"""Messages that a page can show in the visitor's language, without Django here.

``_("…")`` marks a template for the message catalogue (``makemessages`` finds it) and
returns it unchanged. :class:`Text` is a template with ``%(name)s`` placeholders and its
values, some of them Texts: English by ``str()``, another language by
``render(gettext)``. ``to_dict``/``from_dict`` make it plain JSON data, so the control
loops' steps can be stored with the sandbox and rendered later in any language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


def _(text: str) -> str:
    """Marks a text for the message catalogue (makemessages finds `_("…")`) without
    importing Django here: the view renders it with gettext."""
    return text


@dataclass(frozen=True)
class Text:
    """A message (with %(name)s placeholders) and its values, some of them Texts: English
    by str(), another language by render(gettext)."""

    template: str
    values: dict

    def render(self, translate: Callable[[str], str] = str) -> str:
        values = {k: v.render(translate) if isinstance(v, Text) else v for k, v in self.values.items()}
        return translate(self.template) % values

    def __str__(self) -> str:
        return self.render()

    def to_dict(self) -> dict:
        """Plain JSON data: {"template": …, "values": {…}}, nested Texts as the same."""
        return {
            "template": self.template,
            "values": {k: v.to_dict() if isinstance(v, Text) else v for k, v in self.values.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> Text:
        values = data.get("values") or {}
        return cls(
            data["template"],
            {k: cls.from_dict(v) if isinstance(v, dict) else v for k, v in values.items()},
        )


def say(template: str, **values) -> Text:
    """Text(template, values), shorter at the call sites: say(_("%(name)s is up"), name=n)."""
    return Text(template, values)


def join(items: Iterable[Text | str], template: str) -> Text | str:
    """Items joined two at a time by `template` (with %(first)s and %(rest)s), so each
    language chooses its separator: join(parts, _("%(first)s; %(rest)s"))."""
    items = list(items)
    joined = items[-1] if items else ""
    for item in reversed(items[:-1]):
        joined = Text(template, {"first": item, "rest": joined})
    return joined


def message_fields(message: Text | str) -> dict:
    """A step's fields for `message`: "message" in English (what stored states, the API and
    the English pages read) and, for a Text, "text" to render it in another language."""
    if isinstance(message, Text):
        return {"message": str(message), "text": message.to_dict()}
    return {"message": message}


def narrate(step: dict, translate: Callable[[str], str]) -> str:
    """A step's message in the language of `translate`; English when the step has no
    "text" (stored before steps had one, or a message Kubernetes itself prints)."""
    data = step.get("text")
    if not data:
        return step.get("message", "")
    try:
        return Text.from_dict(data).render(translate)
    except (KeyError, TypeError, ValueError):  # a broken translation must not break the page
        return step.get("message", "")
