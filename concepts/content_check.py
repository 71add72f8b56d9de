"""Validate all teaching content at once (used by `manage.py check_content` and tests)."""

from pathlib import Path

from django.conf import settings

from concepts import i18n
from concepts.architecture import ARCHITECTURE_FILE, load_layout
from concepts.catalogue import CATEGORIES, CONTENT_DIR, ContentError, load
from concepts.examples import check_examples


def check_all(content_dir: Path = CONTENT_DIR, architecture_file: Path = ARCHITECTURE_FILE) -> str:
    """Raise ContentError on the first fault; return a one-line summary otherwise.

    Every pair's example is applied to a fresh sandbox and must reach the state the pair
    declares (concepts.examples)."""
    cat = load(content_dir)
    examples = check_examples(cat.pairs)
    load_layout(architecture_file, cat)
    manifests = sum(len(pair.manifest_documents) for pair in cat.pairs)
    categories = len({pair.category for pair in cat.pairs})
    return (
        f"OK: {len(cat.pairs)} concept pairs in {categories} of {len(CATEGORIES)} categories, "
        f"{manifests} manifest documents valid, {examples} examples reach their declared state "
        f"in a sandbox, architecture diagram consistent. {check_translations()}"
    )


def check_translations(kinds=i18n.KINDS) -> str:
    """Raise ContentError listing every outdated or invalid translation, and every missing
    one in a language marked complete (settings.CONTENT_LANGUAGES_COMPLETE); return a
    summary naming what is still missing elsewhere."""
    complete = set(getattr(settings, "CONTENT_LANGUAGES_COMPLETE", ()))
    failures, notes = [], []
    for language in i18n.CONTENT_LANGUAGES:
        count, problems = i18n.status(language, kinds)
        missing = [p for p in problems if p.state == "missing"]
        failures += [p for p in problems if p.state != "missing" or language in complete]
        notes.append(
            f"{language}: {count - len(problems)} of {count} entries translated, {len(missing)} missing"
        )
    if failures:
        listing = "\n".join(f"  {problem}" for problem in failures)
        raise ContentError(
            f"{len(failures)} translation(s) outdated, invalid or missing (manage.py translations "
            f"lists them; translate, then manage.py translations --stamp LANGUAGE FILE):\n{listing}"
        )
    return "Translations: " + "; ".join(notes) + "."
