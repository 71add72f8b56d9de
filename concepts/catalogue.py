"""The concept catalogue: vSphere ↔ Kubernetes pairs loaded from data files.

Content lives in ``concepts/content/*.yaml``, one file per category. Loading
validates every file and fails loudly with the file and field at fault, so a
broken edit never reaches a page. Nothing here knows about Django.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from concepts import i18n

CONTENT_DIR = Path(__file__).resolve().parent / "content"

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# The reference documents a pair may cite. Only their titles live here: the
# documents themselves are not shipped with the app.
REFERENCES = {
    "000": "Kubernetes Introduction for VMware Users – Part 1: The Theory (2017)",
    "001": "Kubernetes Explained (VMware PKS hands-on lab)",
    "002": "Chinese translation of “Kubernetes Introduction for VMware Users”",
    "003": "Kubernetes – Software Platform for the Future (2018 slides)",
    "004": "Networking and Security in VMware vSphere with Kubernetes (2020 white paper)",
}


def gettext_noop(text: str) -> str:
    """Marks a string for the interface's message catalogue (makemessages finds it); the
    templates translate it with {% translate %}."""
    return text


# The catalogue's categories, in the order pages show them.
CATEGORIES = {
    "architecture": gettext_noop("Architecture"),
    "workloads": gettext_noop("Workloads"),
    "configuration": gettext_noop("Configuration"),
    "resource-management": gettext_noop("Resource management"),
    "availability": gettext_noop("Availability and placement"),
    "networking": gettext_noop("Networking"),
    "storage": gettext_noop("Storage"),
    "security": gettext_noop("Security and access"),
    "operations": gettext_noop("Operations"),
    "vsphere-with-kubernetes": gettext_noop("vSphere Supervisor and VKS"),
}

PAIR_FIELDS = {
    "slug",
    "title",
    "summary",
    "vsphere",
    "kubernetes",
    "match",
    "differ",
    "manifest",
    "commands",
    "related",
    "references",
    "try_it",
    "aliases",
    "expect",
    "checked",
    "then_now",
}
REQUIRED_PAIR_FIELDS = PAIR_FIELDS - {"aliases", "try_it", "then_now"}
VSPHERE_FIELDS = {"name", "what", "admin", "terms"}
KUBERNETES_FIELDS = {"name", "kinds", "what", "terms"}


# What a pair's example reaches when it is applied to a fresh sandbox (checked by
# concepts.examples through the engine). Failure states are kubectl's STATUS column.
EXPECT_STATES = {
    "Created": "every object exists; the example makes no pods",
    "Running": "every pod it makes is Running and Ready, every workload has all its replicas "
    "ready and every Service with a selector has ready endpoints",
    "Bound": "every claim it makes is Bound, and every pod it makes Running and Ready",
    "Complete": "every Job it makes (for a CronJob, when its schedule comes) is Complete",
    "Provisioned": "every VM Service VirtualMachine it makes reaches its power state (powered on: "
    "with an IP address) and every Cluster API Cluster is Provisioned and Ready (vSphere profile)",
    "Unschedulable": "every pod it makes stays Pending: no node fits it",
    "ImagePullBackOff": "every pod it makes cannot pull its image",
    "CrashLoopBackOff": "every pod it makes keeps crashing",
    "CreateContainerConfigError": "every pod it makes refers to configuration that is missing",
    "Unsupported": "the sandbox's engine cannot run it yet (the note says why); the check "
    "confirms the engine still refuses it, so the day it works the expectation must be updated",
}
EXPECT_PROFILES = ("default", "vsphere", "zones", "minimal")
EXPECT_FIELDS = {"state", "profile", "within", "note"}
CHECKED_FIELDS = {"kubernetes", "vsphere", "vcf"}
THEN_NOW_FIELDS = {"then", "now", "since"}
VERSION_RE = re.compile(r"^\d+(\.\d+){1,2}( U\d+)?$")


class ContentError(ValueError):
    """A content file breaks the catalogue's rules; the message names file and field."""


@dataclass(frozen=True)
class Expectation:
    """The state a pair's example reaches in a fresh sandbox of `profile`, within
    `within` seconds of simulated time."""

    state: str
    profile: str = "default"
    within: int = 600
    note: str = ""


@dataclass(frozen=True)
class Checked:
    """The versions a pair's text was last checked against."""

    kubernetes: str
    vsphere: str = ""
    vcf: str = ""

    def __str__(self) -> str:
        parts = [f"Kubernetes {self.kubernetes}"]
        if self.vsphere:
            parts.append(f"vSphere {self.vsphere}")
        if self.vcf:
            parts.append(f"VMware Cloud Foundation {self.vcf}")
        return ", ".join(parts)


@dataclass(frozen=True)
class ThenNow:
    """Where the reference documents' picture has changed: what they taught, what is true
    now, and since when."""

    then: str
    now: str
    since: str


@dataclass(frozen=True)
class Side:
    name: str
    what: str
    terms: tuple[str, ...]
    admin: str = ""
    kinds: tuple[str, ...] = ()
    # Translated terms (English term casefolded → translation), in a translated catalogue.
    local_terms: tuple[tuple[str, str], ...] = ()

    def local(self, term: str) -> str:
        """The translation of one of this side's English terms, or ""."""
        return dict(self.local_terms).get(term.casefold(), "")


@dataclass(frozen=True)
class Command:
    task: str
    vsphere: str
    kubernetes: str


@dataclass(frozen=True)
class Pair:
    slug: str
    title: str
    category: str
    summary: str
    vsphere: Side
    kubernetes: Side
    match: str
    differ: str
    manifest: str
    manifest_documents: tuple[dict, ...]
    commands: tuple[Command, ...]
    related: tuple[str, ...]
    references: tuple[str, ...]
    try_it: str | None
    aliases: tuple[str, ...]
    source: str
    expect: Expectation
    checked: Checked
    then_now: tuple[ThenNow, ...]

    @property
    def category_title(self) -> str:
        return CATEGORIES[self.category]

    @property
    def reference_titles(self) -> list[tuple[str, str]]:
        return [(key, REFERENCES[key]) for key in self.references]

    def search_text(self) -> str:
        parts = [
            self.title,
            self.summary,
            *self.vsphere.terms,
            *self.kubernetes.terms,
            *self.kubernetes.kinds,
            *self.aliases,
            self.vsphere.what,
            self.kubernetes.what,
            *(local for _, local in self.vsphere.local_terms + self.kubernetes.local_terms),
        ]
        return _fold(" ".join(parts))

    def vocabulary(self) -> tuple[set[str], set[str], set[str]]:
        """Folded side names, terms and API kinds, for ranking search results."""
        names = {_fold(self.vsphere.name).strip(), _fold(self.kubernetes.name).strip()}
        terms = {_fold(t).strip() for t in (*self.vsphere.terms, *self.kubernetes.terms)}
        terms |= {_fold(local).strip() for _, local in self.vsphere.local_terms + self.kubernetes.local_terms}
        kinds = {_fold(k).strip() for k in self.kubernetes.kinds}
        return names, terms | names, kinds

    def name_text(self) -> str:
        return _fold(
            " ".join(
                [
                    self.title,
                    *self.vsphere.terms,
                    *self.kubernetes.terms,
                    *self.kubernetes.kinds,
                    *self.aliases,
                    *(local for _, local in self.vsphere.local_terms + self.kubernetes.local_terms),
                ]
            )
        )


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    side: str  # "vsphere" or "kubernetes"
    pair: Pair

    @property
    def local(self) -> str:
        """The term's translation in a translated catalogue ("" when it has none)."""
        side = self.pair.vsphere if self.side == "vsphere" else self.pair.kubernetes
        return side.local(self.term)

    @property
    def counterpart(self) -> str:
        return self.pair.kubernetes.name if self.side == "vsphere" else self.pair.vsphere.name

    @property
    def letter(self) -> str:
        first = self.term.lstrip(".").upper()[:1]
        return first if first.isalpha() else "#"


@dataclass
class Catalogue:
    pairs: list[Pair]
    by_slug: dict[str, Pair] = field(init=False)

    def __post_init__(self) -> None:
        self.by_slug = {pair.slug: pair for pair in self.pairs}

    def get(self, slug: str) -> Pair | None:
        return self.by_slug.get(slug)

    def by_category(self, pairs: list[Pair] | None = None) -> list[tuple[str, str, list[Pair]]]:
        pairs = self.pairs if pairs is None else pairs
        groups = []
        for key, title in CATEGORIES.items():
            members = [pair for pair in pairs if pair.category == key]
            if members:
                groups.append((key, title, members))
        return groups

    def related(self, pair: Pair) -> list[Pair]:
        return [self.by_slug[slug] for slug in pair.related]

    def search(self, query: str) -> list[Pair]:
        """Pairs matching every word of the query, in either vocabulary.

        Ranking: a pair named by the query first (so "Namespace" and "resource
        pool" both put the resource pool ↔ namespace pair on top), then one with
        the query among its terms or kinds, then one that only mentions it.
        """
        words = _fold(query).split()
        if not words:
            return list(self.pairs)
        phrase = " ".join(words)
        scored = []
        for index, pair in enumerate(self.pairs):
            text = pair.search_text()
            if not all(word in text for word in words):
                continue
            names, terms, kinds = pair.vocabulary()
            if phrase in names:
                rank = 0
            elif phrase in terms:
                rank = 1
            elif phrase in kinds or any(phrase in term for term in terms):
                rank = 2
            elif all(word in pair.name_text() for word in words):
                rank = 3
            else:
                rank = 4
            scored.append((rank, index, pair))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [pair for _, _, pair in scored]

    def glossary(self) -> list[tuple[str, list[GlossaryTerm]]]:
        """Every term of both vocabularies, A to Z, each pointing to its pair."""
        seen: set[tuple[str, str]] = set()
        terms: list[GlossaryTerm] = []
        for pair in self.pairs:
            for side_name, side in (("vsphere", pair.vsphere), ("kubernetes", pair.kubernetes)):
                for term in side.terms:
                    key = (term.casefold(), side_name)
                    if key in seen:
                        continue
                    seen.add(key)
                    terms.append(GlossaryTerm(term=term, side=side_name, pair=pair))
        terms.sort(key=lambda t: (t.letter, t.term.lstrip(".").casefold()))
        letters: dict[str, list[GlossaryTerm]] = {}
        for term in terms:
            letters.setdefault(term.letter, []).append(term)
        return list(letters.items())


def _fold(text: str) -> str:
    # Hyphens and slashes separate words the way spaces do, so that
    # "resource-pool" and "resource pool" both match.
    return re.sub(r"[\s\-_/]+", " ", text.casefold())


def _require_str(value, where: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ContentError(f"{where}: must be a non-empty string")
    return value.strip()


def _str_list(value, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(f"{where}: must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _check_keys(data: dict, allowed: set[str], required: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ContentError(f"{where}: unknown field(s) {', '.join(unknown)}")
    missing = sorted(required - set(data))
    if missing:
        raise ContentError(f"{where}: missing required field(s) {', '.join(missing)}")


def validate_manifest(text: str, where: str) -> tuple[dict, ...]:
    """Parse a manifest and check every document looks like a Kubernetes object."""
    try:
        documents = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        raise ContentError(f"{where}: not valid YAML: {exc}") from None
    if not documents:
        raise ContentError(f"{where}: holds no Kubernetes object")
    for number, doc in enumerate(documents, start=1):
        at = f"{where} (document {number})"
        if not isinstance(doc, dict):
            raise ContentError(f"{at}: a Kubernetes object must be a mapping")
        for key in ("apiVersion", "kind"):
            if not isinstance(doc.get(key), str) or not doc[key]:
                raise ContentError(f"{at}: {key} is required")
        metadata = doc.get("metadata")
        if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
            raise ContentError(f"{at}: metadata.name is required")
        name = metadata["name"]
        if len(name) > 253 or not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name):
            raise ContentError(
                f"{at}: metadata.name: Invalid value: {name!r}: a lowercase RFC 1123 "
                "subdomain must consist of lower case alphanumeric characters, '-' or '.'"
            )
    return tuple(documents)


def parse_expect(data, where: str) -> Expectation:
    """`expect: Running`, or a mapping with `state` and optionally `profile`, `within`
    (simulated seconds) and `note` (required for Unsupported)."""
    if isinstance(data, str):
        data = {"state": data}
    if not isinstance(data, dict):
        raise ContentError(f"{where}: must be a state or a mapping with 'state'")
    _check_keys(data, EXPECT_FIELDS, {"state"}, where)
    state = _require_str(data["state"], f"{where}.state")
    if state not in EXPECT_STATES:
        raise ContentError(f"{where}.state: unknown state {state!r} (known: {', '.join(EXPECT_STATES)})")
    profile = data.get("profile", "default")
    if profile not in EXPECT_PROFILES:
        raise ContentError(
            f"{where}.profile: unknown profile {profile!r} (known: {', '.join(EXPECT_PROFILES)})"
        )
    within = data.get("within", 600)
    if not isinstance(within, int) or isinstance(within, bool) or not 0 < within <= 3 * 86400:
        raise ContentError(f"{where}.within: must be a number of seconds between 1 and 259200")
    note = data.get("note")
    note = _require_str(note, f"{where}.note") if note is not None else ""
    if state == "Unsupported" and not note:
        raise ContentError(f"{where}.note: an Unsupported example must say what the engine lacks")
    return Expectation(state=state, profile=profile, within=within, note=note)


def parse_checked(data, where: str) -> Checked:
    if not isinstance(data, dict):
        raise ContentError(f"{where}: must be a mapping such as {{kubernetes: '1.37', vsphere: '8.0'}}")
    _check_keys(data, CHECKED_FIELDS, {"kubernetes"}, where)
    versions = {}
    for key, value in data.items():
        value = str(value).strip() if isinstance(value, (str, int, float)) else value
        if not isinstance(value, str) or not VERSION_RE.match(value):
            raise ContentError(f"{where}.{key}: {value!r} is not a version such as '1.37' or '8.0 U3'")
        versions[key] = value
    return Checked(**versions)


def parse_then_now(data, where: str) -> tuple[ThenNow, ...]:
    if data is None:
        return ()
    if not isinstance(data, list) or not data:
        raise ContentError(f"{where}: must be a non-empty list of {{then, now, since}}")
    notes = []
    for number, item in enumerate(data):
        at = f"{where}[{number}]"
        if not isinstance(item, dict):
            raise ContentError(f"{at}: must be a mapping")
        _check_keys(item, THEN_NOW_FIELDS, THEN_NOW_FIELDS, at)
        notes.append(
            ThenNow(
                then=_require_str(item["then"], f"{at}.then"),
                now=_require_str(item["now"], f"{at}.now"),
                since=_require_str(str(item["since"]), f"{at}.since"),
            )
        )
    return tuple(notes)


def _side(data, where: str, allowed: set[str], required: set[str]) -> dict:
    if not isinstance(data, dict):
        raise ContentError(f"{where}: must be a mapping")
    _check_keys(data, allowed, required, where)
    return data


def parse_pair(data, category: str, source: str, index: int) -> Pair:
    where = f"{source}: pairs[{index}]"
    if not isinstance(data, dict):
        raise ContentError(f"{where}: must be a mapping")
    slug = data.get("slug")
    if isinstance(slug, str):
        where = f"{source}: pair {slug!r}"
    _check_keys(data, PAIR_FIELDS, REQUIRED_PAIR_FIELDS, where)
    slug = _require_str(slug, f"{where}: slug")
    if not SLUG_RE.match(slug):
        raise ContentError(f"{where}: slug must be lowercase words joined by hyphens")

    vs = _side(data["vsphere"], f"{where}: vsphere", VSPHERE_FIELDS, {"name", "what", "admin"})
    k8s = _side(data["kubernetes"], f"{where}: kubernetes", KUBERNETES_FIELDS, {"name", "kinds", "what"})
    vs_name = _require_str(vs["name"], f"{where}: vsphere.name")
    k8s_name = _require_str(k8s["name"], f"{where}: kubernetes.name")

    commands = data["commands"]
    if not isinstance(commands, list) or not commands:
        raise ContentError(f"{where}: commands must be a non-empty list")
    parsed_commands = []
    for number, command in enumerate(commands):
        at = f"{where}: commands[{number}]"
        if not isinstance(command, dict):
            raise ContentError(f"{at}: must be a mapping")
        _check_keys(command, {"task", "vsphere", "kubernetes"}, {"task", "vsphere", "kubernetes"}, at)
        parsed_commands.append(
            Command(
                task=_require_str(command["task"], f"{at}.task"),
                vsphere=_require_str(command["vsphere"], f"{at}.vsphere"),
                kubernetes=_require_str(command["kubernetes"], f"{at}.kubernetes"),
            )
        )

    references = _str_list(data["references"], f"{where}: references")
    for key in references:
        if key not in REFERENCES:
            raise ContentError(
                f"{where}: references: unknown document {key!r} (known: {', '.join(REFERENCES)})"
            )
    if not references:
        raise ContentError(f"{where}: references must name at least one reference document")

    manifest = _require_str(data["manifest"], f"{where}: manifest")
    try_it = data.get("try_it")
    if try_it is not None:
        try_it = _require_str(try_it, f"{where}: try_it")

    return Pair(
        slug=slug,
        title=_require_str(data["title"], f"{where}: title"),
        category=category,
        summary=_require_str(data["summary"], f"{where}: summary"),
        vsphere=Side(
            name=vs_name,
            what=_require_str(vs["what"], f"{where}: vsphere.what"),
            admin=_require_str(vs["admin"], f"{where}: vsphere.admin"),
            terms=_str_list(vs.get("terms"), f"{where}: vsphere.terms") or (vs_name,),
        ),
        kubernetes=Side(
            name=k8s_name,
            what=_require_str(k8s["what"], f"{where}: kubernetes.what"),
            kinds=_str_list(k8s["kinds"], f"{where}: kubernetes.kinds"),
            terms=_str_list(k8s.get("terms"), f"{where}: kubernetes.terms") or (k8s_name,),
        ),
        match=_require_str(data["match"], f"{where}: match"),
        differ=_require_str(data["differ"], f"{where}: differ"),
        manifest=manifest + "\n",
        manifest_documents=validate_manifest(manifest, f"{where}: manifest"),
        commands=tuple(parsed_commands),
        related=_str_list(data["related"], f"{where}: related"),
        references=references,
        try_it=try_it,
        aliases=_str_list(data.get("aliases"), f"{where}: aliases"),
        source=source,
        expect=parse_expect(data["expect"], f"{where}: expect"),
        checked=parse_checked(data["checked"], f"{where}: checked"),
        then_now=parse_then_now(data.get("then_now"), f"{where}: then_now"),
    )


def parse_file(path: Path, language: str = i18n.ENGLISH) -> list[Pair]:
    source = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"{source}:{where}: not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ContentError(f"{source}: must be a mapping with 'category' and 'pairs'")
    _check_keys(data, {"category", "pairs"}, {"category", "pairs"}, source)
    category = data["category"]
    if category not in CATEGORIES:
        raise ContentError(
            f"{source}: category: unknown category {category!r} (known: {', '.join(CATEGORIES)})"
        )
    pairs = data["pairs"]
    if not isinstance(pairs, list) or not pairs:
        raise ContentError(f"{source}: pairs must be a non-empty list")
    if language == i18n.ENGLISH:
        return [parse_pair(item, category, source, index) for index, item in enumerate(pairs)]
    return _translated(path, data, category, language)


def _translated(path: Path, data: dict, category: str, language: str) -> list[Pair]:
    """The file's pairs with `language`'s translation overlaid (concepts.i18n); terms stay
    English, each with its translation beside it."""
    kind = i18n.KIND["pair"]
    english = copy_with_default_terms(data)
    localized = i18n.localize(kind, path, english, language)
    try:
        found = i18n.translations_for(kind, path, language)
    except i18n.TranslationError:
        found = {}
    result = []
    for index, item in enumerate(localized["pairs"]):
        pair = parse_pair(item, category, path.name, index)
        translation = found.get(pair.slug)
        if translation and item is not english["pairs"][index]:
            sides = {}
            for side_name in ("vsphere", "kubernetes"):
                terms = i18n.term_translations(english["pairs"][index][side_name], translation.get(side_name))
                sides[side_name] = dataclasses.replace(
                    getattr(pair, side_name), local_terms=tuple(sorted(terms.items()))
                )
            pair = dataclasses.replace(pair, **sides)
        result.append(pair)
    return result


def copy_with_default_terms(data: dict) -> dict:
    """A copy of a content file's data where every side lists its terms (a side without
    terms has its English name as its one term), so translating the name keeps the term."""
    pairs = []
    for item in data["pairs"]:
        if isinstance(item, dict):
            item = dict(item)
            for side_name in ("vsphere", "kubernetes"):
                side = item.get(side_name)
                if isinstance(side, dict) and not side.get("terms") and isinstance(side.get("name"), str):
                    item[side_name] = {**side, "terms": [side["name"]]}
        pairs.append(item)
    return {**data, "pairs": pairs}


def load(directory: Path = CONTENT_DIR, language: str = i18n.ENGLISH) -> Catalogue:
    """Load and validate every content file; raise ContentError on the first fault.
    In another language, translated text is overlaid where a translation exists."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ContentError(f"{directory}: no content files (*.yaml)")
    pairs: list[Pair] = []
    for path in files:
        pairs.extend(parse_file(path, language))
    seen: dict[str, str] = {}
    for pair in pairs:
        if pair.slug in seen:
            raise ContentError(f"{pair.source}: pair {pair.slug!r}: slug already used in {seen[pair.slug]}")
        seen[pair.slug] = pair.source
    for pair in pairs:
        for slug in pair.related:
            if slug not in seen:
                raise ContentError(f"{pair.source}: pair {pair.slug!r}: related: no pair {slug!r}")
            if slug == pair.slug:
                raise ContentError(f"{pair.source}: pair {pair.slug!r}: related: lists itself")
    order = {key: position for position, key in enumerate(CATEGORIES)}
    pairs.sort(key=lambda p: order[p.category])  # stable: file order within a category
    return Catalogue(pairs)


@lru_cache(maxsize=4)
def catalogue(language: str = i18n.ENGLISH) -> Catalogue:
    """The shipped catalogue in a language, loaded once per process."""
    return load(language=language)
