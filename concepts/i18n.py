"""Translations of the teaching content (docs/i18n.md describes the format).

A translation lives beside its English file, in a subdirectory named after the language
(``concepts/content/zh-hans/security.yaml`` translates ``concepts/content/security.yaml``).
It mirrors the English file's structure but holds only the human-language text fields;
everything else (manifests, commands, slugs, kinds, checks) comes from English. Each
translated entry (a pair, a lab, a scenario, a path, the architecture diagram) records
``source: <hash>``, the :func:`source_hash` of the English text it translates, so a
later English edit shows the translation as outdated.

Nothing here knows about Django, except :func:`active_language`, which asks it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = "en"
# The languages content may be translated into (directory names, Django language codes).
CONTENT_LANGUAGES = ("zh-hans",)
HASH_LENGTH = 12


class TranslationError(ValueError):
    """A translation file breaks the format; the message names file and field."""


# The shapes of the translatable text ---------------------------------------------------------

TEXT = "text"  # one string, replaced
TEXTS = "texts"  # a list of strings, replaced position by position
TERMS = "terms"  # a list of English terms; the translation maps each English term to its translation


@dataclass(frozen=True)
class Items:
    """A list of mappings, translated position by position (tasks, commands, checks…)."""

    spec: object


@dataclass(frozen=True)
class Column:
    """A list of lists whose element `index` is text, e.g. an edge [from, to, "label"]:
    the translation is a list of strings, one per row."""

    index: int


PAIR = {
    "title": TEXT,
    "summary": TEXT,
    "vsphere": {"name": TEXT, "what": TEXT, "admin": TEXT, "terms": TERMS},
    "kubernetes": {"name": TEXT, "what": TEXT, "terms": TERMS},
    "match": TEXT,
    "differ": TEXT,
    "commands": Items({"task": TEXT}),
    "then_now": Items({"then": TEXT, "now": TEXT}),
}
LAB = {
    "title": TEXT,
    "summary": TEXT,
    "tasks": Items(
        {
            "title": TEXT,
            "instructions": TEXT,
            "check": Items({"says": TEXT}),
            "hints": TEXTS,
            "explanation": TEXT,
        }
    ),
    "facilitator": {"mistakes": TEXTS, "projector": TEXT},
}
SCENARIO = {"title": TEXT, "summary": TEXT, "steps": TEXTS}
PATH = {"title": TEXT, "summary": TEXT, "steps": Items({"intro": TEXT})}
_ARCHITECTURE_SIDE = {
    "title": TEXT,
    "groups": Items({"title": TEXT, "boxes": Items({"label": TEXT})}),
    "edges": Column(2),
}
ARCHITECTURE = {"vsphere": _ARCHITECTURE_SIDE, "kubernetes": _ARCHITECTURE_SIDE}


@dataclass(frozen=True)
class Kind:
    """One kind of content file. `keyed_by` is None when the whole file is one entry,
    else the English file's list (`list_field`) holds entries keyed by that field."""

    name: str
    directory: Path
    pattern: str
    spec: dict
    list_field: str | None = None
    keyed_by: str | None = None

    def english_files(self) -> list[Path]:
        return sorted(self.directory.glob(self.pattern))

    def translation_path(self, english: Path, language: str) -> Path:
        return english.parent / language / english.name


KINDS = (
    Kind("pair", ROOT / "concepts" / "content", "*.yaml", PAIR, list_field="pairs", keyed_by="slug"),
    Kind("architecture", ROOT / "concepts", "architecture.yaml", ARCHITECTURE),
    Kind("lab", ROOT / "playground" / "labs" / "content", "*.yaml", LAB),
    Kind("path", ROOT / "playground" / "labs" / "paths", "*.yaml", PATH),
    Kind("scenario", ROOT / "playground" / "scenarios", "*.yaml", SCENARIO),
)
KIND = {kind.name: kind for kind in KINDS}


# Hashing ------------------------------------------------------------------------------------


def extract(spec, data):
    """The translatable text of `data` (an English entry as loaded from YAML), shaped by `spec`."""
    if spec in (TEXT,):
        return data.strip() if isinstance(data, str) else data
    if spec in (TEXTS, TERMS):
        return [item.strip() if isinstance(item, str) else item for item in data or []]
    if isinstance(spec, Items):
        return [extract(spec.spec, item) for item in data or [] if isinstance(item, dict)]
    if isinstance(spec, Column):
        return [row[spec.index] for row in data or [] if isinstance(row, list) and len(row) > spec.index]
    if isinstance(spec, dict):
        if not isinstance(data, dict):
            return None
        return {key: extract(sub, data[key]) for key, sub in spec.items() if data.get(key) is not None}
    raise TypeError(spec)


def source_hash(spec, data) -> str:
    """The hash a translation records as `source`: the first 12 hex digits of the SHA-256 of
    the entry's English text fields (and only those), as canonical JSON. Editing a manifest
    or a check leaves it unchanged; editing a sentence changes it."""
    text = json.dumps(extract(spec, data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


# Overlaying ---------------------------------------------------------------------------------


def overlay(spec, english, translation, where: str):
    """English `english` with the text of `translation` put in; raises TranslationError on
    a field the spec or the English entry does not have, or a list of the wrong length.
    TERMS are left English (see :func:`term_translations`)."""
    if spec == TEXT:
        if not isinstance(translation, str) or not translation.strip():
            raise TranslationError(f"{where}: must be non-empty text")
        return translation
    if spec == TERMS:
        if not isinstance(translation, dict):
            raise TranslationError(f"{where}: must map English terms to their translation")
        known = {term.casefold() for term in english or []}
        for term, local in translation.items():
            if not isinstance(term, str) or term.casefold() not in known:
                raise TranslationError(f"{where}: {term!r} is not one of the English terms")
            if not isinstance(local, str) or not local.strip():
                raise TranslationError(f"{where}: {term!r}: the translation must be non-empty text")
        return english
    if spec == TEXTS or isinstance(spec, (Items, Column)):
        if not isinstance(translation, list) or len(translation) != len(english or []):
            raise TranslationError(f"{where}: must be a list of {len(english or [])} item(s), as in English")
        result = []
        for number, (item, local) in enumerate(zip(english, translation, strict=True)):
            at = f"{where}[{number}]"
            if isinstance(spec, Items):
                result.append(overlay(spec.spec, item, local, at))
            elif isinstance(spec, Column):
                row = list(item)
                row[spec.index] = overlay(TEXT, item[spec.index], local, at)
                result.append(row)
            else:
                result.append(overlay(TEXT, item, local, at))
        return result
    if isinstance(spec, dict):
        if not isinstance(translation, dict):
            raise TranslationError(f"{where}: must be a mapping")
        merged = copy.copy(english) if isinstance(english, dict) else {}
        for key, value in translation.items():
            at = f"{where}.{key}"
            if key not in spec:
                raise TranslationError(f"{at}: not a translatable field")
            if not isinstance(english, dict) or english.get(key) is None:
                raise TranslationError(f"{at}: the English entry has no {key}")
            merged[key] = overlay(spec[key], english[key], value, at)
        return merged
    raise TypeError(spec)


def term_translations(english_side: dict, translated_side: dict | None) -> dict[str, str]:
    """English term → translation for one side of a pair (terms, and the side's name)."""
    if not translated_side:
        return {}
    result = {}
    for term, local in (translated_side.get("terms") or {}).items():
        result[str(term).casefold()] = str(local).strip()
    name = english_side.get("name")
    if isinstance(name, str) and translated_side.get("name"):
        result.setdefault(name.strip().casefold(), str(translated_side["name"]).strip())
    return result


# Reading translation files ------------------------------------------------------------------


def read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise TranslationError(f"{path}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None


def _entries(kind: Kind, data, where: str) -> dict[str, dict]:
    """A file's entries keyed by slug ("" when the whole file is one entry)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TranslationError(f"{where}: must be a mapping")
    if kind.keyed_by is None:
        return {"": data}
    unknown = sorted(set(data) - {kind.list_field})
    if unknown:
        raise TranslationError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
    items = data.get(kind.list_field) or []
    if not isinstance(items, list):
        raise TranslationError(f"{where}: {kind.list_field} must be a list")
    entries = {}
    for number, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get(kind.keyed_by), str):
            raise TranslationError(f"{where}: {kind.list_field}[{number}]: needs {kind.keyed_by}")
        entries[item[kind.keyed_by]] = item
    return entries


def translate_entry(kind: Kind, english: dict, translation: dict, where: str) -> dict:
    """The English entry with its translation overlaid (strict: raises TranslationError)."""
    body = {k: v for k, v in translation.items() if k not in ("source", kind.keyed_by)}
    if not isinstance(translation.get("source"), str):  # stamp quotes it: "0123" is no number
        raise TranslationError(f"{where}: source (the hash of the English it translates) is required")
    return overlay(kind.spec, english, body, where)


def translations_for(kind: Kind, english_path: Path, language: str) -> dict[str, dict]:
    """The translated entries of one English file, keyed as :func:`_entries` keys them;
    {} when the file has no translation. Raises TranslationError on a malformed file."""
    path = kind.translation_path(english_path, language)
    if language == ENGLISH or not path.is_file():
        return {}
    return _entries(kind, read_yaml(path), _relative(path))


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def localize(kind: Kind, english_path: Path, english: dict, language: str) -> dict:
    """For the loaders: the whole English file's data with `language`'s translation
    overlaid where it exists and fits. An entry whose translation does not fit (which
    `manage.py check_content` reports) stays English, so a stale file never breaks a page."""
    try:
        found = translations_for(kind, english_path, language)
    except TranslationError:
        return english
    if not found:
        return english
    if kind.keyed_by is None:
        try:
            return translate_entry(kind, english, found[""], english_path.name)
        except TranslationError:
            return english
    data = dict(english)
    items = []
    for item in english.get(kind.list_field) or []:
        key = item.get(kind.keyed_by) if isinstance(item, dict) else None
        if key in found:
            try:
                item = translate_entry(kind, item, found[key], f"{english_path.name}: {key}")
            except TranslationError:
                pass
        items.append(item)
    data[kind.list_field] = items
    return data


# Status: what is missing and outdated -------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    language: str
    state: str  # "missing", "outdated" or "invalid"
    file: str  # the translation file, relative to the project
    entry: str  # the entry's slug, or "" for a whole-file entry
    detail: str = ""

    def __str__(self) -> str:
        what = f"{self.file}: {self.entry}" if self.entry else self.file
        return f"{self.language} {self.state}: {what}" + (f" ({self.detail})" if self.detail else "")


def status(language: str, kinds=KINDS) -> tuple[int, list[Problem]]:
    """Every English entry checked against its translation: (entries counted, problems)."""
    problems: list[Problem] = []
    count = 0
    for kind in kinds:
        for english_path in kind.english_files():
            path = kind.translation_path(english_path, language)
            rel = _relative(path)
            english = read_yaml(english_path)
            english_entries = _english_entries(kind, english)
            count += len(english_entries)
            try:
                found = translations_for(kind, english_path, language)
            except TranslationError as exc:
                problems.append(Problem(language, "invalid", rel, "", str(exc)))
                continue
            for key in sorted(set(found) - set(english_entries)):
                problems.append(Problem(language, "invalid", rel, key, f"no such {kind.name} in English"))
            for key, entry in english_entries.items():
                translation = found.get(key)
                if translation is None:
                    problems.append(Problem(language, "missing", rel, key))
                    continue
                try:
                    translate_entry(kind, entry, translation, f"{rel}: {key}" if key else rel)
                except TranslationError as exc:
                    problems.append(Problem(language, "invalid", rel, key, str(exc)))
                    continue
                if translation.get("source") != source_hash(kind.spec, entry):
                    problems.append(Problem(language, "outdated", rel, key, "the English text has changed"))
    return count, problems


def _english_entries(kind: Kind, data) -> dict[str, dict]:
    if kind.keyed_by is None:
        return {"": data}
    return {item[kind.keyed_by]: item for item in data.get(kind.list_field) or []}


def stamp(language: str, path: Path, kinds=None) -> list[str]:
    """Write the current English hashes into translation file `path` as each entry's
    `source:` (editing only those lines, so the translator's layout stays). Returns the
    entries stamped."""
    path = path.resolve()
    if path.parent.name != language:
        raise TranslationError(f"{path}: a {language} translation lives in a {language}/ directory")
    english_path = path.parent.parent / path.name
    kind = next((k for k in kinds or KINDS if english_path in k.english_files()), None)
    if kind is None:
        raise TranslationError(f"{path}: no English content file {english_path} to translate")
    english_entries = _english_entries(kind, read_yaml(english_path))
    text = path.read_text(encoding="utf-8")
    stamped = []
    if kind.keyed_by is None:
        value = source_hash(kind.spec, english_entries[""])
        if re.search(r"(?m)^source:.*$", text):
            text = re.sub(r"(?m)^source:.*$", f'source: "{value}"', text, count=1)
        else:
            text = f'source: "{value}"\n' + text
        stamped.append(english_path.name)
    else:
        found = _entries(kind, read_yaml(path), str(path))
        for key in found:
            if key not in english_entries:
                raise TranslationError(f"{path}: {key}: no such {kind.name} in English")
            value = source_hash(kind.spec, english_entries[key])
            pattern = re.compile(
                rf"(?m)^(?P<indent>[ \t]*)- {re.escape(kind.keyed_by)}: ['\"]?{re.escape(key)}['\"]?[ \t]*\n"
                rf"(?:(?P=indent)  source:.*\n)?"
            )
            match = pattern.search(text)
            if match is None:
                raise TranslationError(
                    f"{path}: {key}: put '- {kind.keyed_by}: {key}' first in the entry, on its own line"
                )
            indent = match.group("indent")
            line = f'{indent}- {kind.keyed_by}: {key}\n{indent}  source: "{value}"\n'
            text = text[: match.start()] + line + text[match.end() :]
            stamped.append(key)
    path.write_text(text, encoding="utf-8")
    return stamped


def active_language() -> str:
    """The language of the request being served (Django's), as a content directory name."""
    from django.utils.translation import get_language

    language = (get_language() or ENGLISH).lower()
    return language if language in CONTENT_LANGUAGES else ENGLISH
