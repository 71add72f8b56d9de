"""Validate all teaching content at once (used by `manage.py check_content` and tests)."""

from pathlib import Path

from concepts.architecture import ARCHITECTURE_FILE, load_layout
from concepts.catalogue import CATEGORIES, CONTENT_DIR, load
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
        "in a sandbox, architecture diagram consistent."
    )
