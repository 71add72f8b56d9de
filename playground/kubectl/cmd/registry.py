"""The console's verbs and their flags, as kubectl's cobra commands declare them.

Each verb (and each subcommand: `rollout undo`, `set image`, `create deployment`) is a
Command spec registered in VERBS with its own flags. Parsing takes only those flags and
the global ones (-n/--namespace, -h/--help), and refuses any other with pflag's words
(`error: unknown flag: --replicas` and kubectl's See line); completion offers exactly them.
A real kubectl flag of the command that the console does not implement (--watch,
--dry-run...) is declared in the verb's `unsupported` and refused by name with what to use
instead, so kubectl's own flags never read as unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from playground.kubectl.errors import ConsoleError


@dataclass(frozen=True)
class Flag:
    """One flag: its long name, its one-letter short form, its type (string, int or bool:
    a bool takes no value unless written --flag=false), its default and its help line."""

    name: str
    short: str = ""
    type: str = "string"
    default: object = None
    help: str = ""
    values: tuple[str, ...] = ()  # the values completion offers

    @property
    def takes_value(self) -> bool:
        return self.type != "bool"

    @property
    def spellings(self) -> tuple[str, ...]:
        return (f"-{self.short}", f"--{self.name}") if self.short else (f"--{self.name}",)

    @property
    def label(self) -> str:
        """How pflag names the flag in its errors: `-n, --namespace` or `--replicas`."""
        return ", ".join(self.spellings)

    def convert(self, text: str, verb: str):
        """The typed value, or pflag's error for text that is not one."""
        if self.type == "bool":  # Go's strconv.ParseBool
            if text in ("1", "t", "T", "TRUE", "true", "True"):
                return True
            if text in ("0", "f", "F", "FALSE", "false", "False"):
                return False
            raise flag_error(
                verb,
                f'invalid argument "{text}" for "{self.label}" flag: '
                f'strconv.ParseBool: parsing "{text}": invalid syntax',
            )
        if self.type == "duration":
            from playground.kubectl import duration

            try:
                return duration.parse(text)
            except duration.DurationError as error:
                raise flag_error(
                    verb, f'invalid argument "{text}" for "{self.label}" flag: {error}'
                ) from None
        if self.type == "strings":  # pflag's StringSlice: comma-separated, and repeatable
            return [part for part in text.split(",") if part]
        if self.type == "int":
            try:
                return int(text, 10)
            except ValueError:
                raise flag_error(
                    verb,
                    f'invalid argument "{text}" for "{self.label}" flag: '
                    f'strconv.ParseInt: parsing "{text}": invalid syntax',
                ) from None
        return text

    def usage(self) -> str:
        default = self.default
        if default is None:
            default = {"bool": "false", "string": "''", "duration": "0s", "strings": "[]"}.get(self.type, "0")
        elif isinstance(default, bool):
            default = str(default).lower()
        elif isinstance(default, str):
            default = f"'{default}'"
        name = f"-{self.short}, --{self.name}" if self.short else f"--{self.name}"
        return f"    {name}={default}:\n\t{self.help}\n"


NAMESPACE = Flag("namespace", "n", help="If present, the namespace scope for this CLI request")
HELP = Flag("help", "h", "bool", False, "help for this command")
# kubectl's persistent flags the console takes on every command.
GLOBAL_FLAGS = (NAMESPACE, HELP)

ALL_NAMESPACES = Flag(
    "all-namespaces",
    "A",
    "bool",
    False,
    "If present, list the requested object(s) across all namespaces.",
)
OUTPUT = Flag(
    "output",
    "o",
    help="Output format. One of: (json, yaml, name, wide).",
    values=("json", "name", "wide", "yaml"),
)
SELECTOR = Flag(
    "selector",
    "l",
    help="Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.",
)
OVERWRITE = Flag(
    "overwrite", type="bool", default=False, help="If true, allow the update to overwrite existing values."
)


@dataclass(frozen=True)
class Unsupported:
    """A flag real kubectl has for this command that the console does not implement. It is
    refused by name with what to do instead, never as an unknown flag (kubectl knows it)."""

    name: str
    short: str = ""
    instead: str = ""

    def refusal(self, spelling: str) -> ConsoleError:
        given = f"{spelling} (--{self.name})" if spelling != f"--{self.name}" else spelling
        return ConsoleError(f"error: {given} is not supported in this console: {self.instead}")


# Where to go for what the console leaves out: the sandbox's API server takes real kubectl.
OWN_KUBECTL = "use your own kubectl with the downloaded kubeconfig"
DRY_RUN = Unsupported(
    "dry-run",
    instead="the console's changes are real; "
    f"{OWN_KUBECTL} for --dry-run=client or --dry-run=server, which the sandbox's API server honours",
)
WATCH_ONLY = Unsupported(
    "watch-only", instead=f"the page already updates live; {OWN_KUBECTL} for kubectl get --watch-only"
)
FIELD_SELECTOR = Unsupported(
    "field-selector",
    instead=f"filter by label with -l/--selector, or {OWN_KUBECTL} for --field-selector",
)
FILENAME_UNSUPPORTED = Unsupported(
    "filename",
    "f",
    "name the objects on the command line (TYPE NAME or TYPE/NAME); only kubectl apply reads "
    "-f here, from the YAML you paste",
)
SELECTOR_UNSUPPORTED = Unsupported(
    "selector",
    "l",
    f"name the objects on the command line (kubectl get with -l lists them), or {OWN_KUBECTL}",
)
ALL_UNSUPPORTED = Unsupported(
    "all", instead="name the objects on the command line, or select them with -l/--selector"
)
OUTPUT_UNSUPPORTED = Unsupported(
    "output",
    "o",
    "the console prints kubectl's default output here; kubectl get TYPE NAME -o yaml shows the object",
)
# What most commands that change objects share.
WRITE_UNSUPPORTED = (DRY_RUN, FILENAME_UNSUPPORTED)


@dataclass
class Verb:
    """A kubectl command the console runs: `name` is its path after kubectl ("get",
    "rollout undo"); `run(cluster, command)` returns what kubectl prints on stdout."""

    name: str
    run: Callable | None = None
    flags: tuple[Flag, ...] = ()
    use: str = ""
    summary: str = ""
    writes: bool = False
    aliases: tuple[str, ...] = ()
    subcommands: dict[str, Verb] = field(default_factory=dict)
    # Real kubectl flags of this command the console refuses by name (see Unsupported).
    unsupported: tuple[Unsupported, ...] = ()
    # The parent runs when no subcommand is named; None refuses as cobra does.
    parent: Verb | None = None

    @property
    def all_flags(self) -> tuple[Flag, ...]:
        return self.flags + GLOBAL_FLAGS

    def long(self, name: str) -> Flag | None:
        return next((f for f in self.all_flags if f.name == name), None)

    def short(self, letter: str) -> Flag | None:
        return next((f for f in self.all_flags if f.short == letter), None)

    def unsupported_flag(self, name: str = "", short: str = "") -> Unsupported | None:
        return next(
            (u for u in self.unsupported if (name and u.name == name) or (short and u.short == short)),
            None,
        )

    def flag_words(self) -> list[str]:
        """Every spelling of every flag the verb takes, short forms first (for completion)."""
        words = [w for f in self.all_flags for w in f.spellings]
        return sorted(set(words), key=lambda w: (w.startswith("--"), w))

    def subcommand(self, word: str) -> Verb | None:
        return next((v for v in self.subcommands.values() if word == v.leaf or word in v.aliases), None)

    @property
    def leaf(self) -> str:
        return self.name.rsplit(" ", 1)[-1]

    def help_text(self) -> str:
        """A short usage, laid out as kubectl's help: summary, options, usage line."""
        out = [self.summary, ""]
        if self.subcommands:
            out.append("Available Commands:")
            width = max(len(v.leaf) for v in self.subcommands.values()) + 2
            out += [f"  {v.leaf.ljust(width)}{v.summary}" for v in self.subcommands.values()]
            out.append("")
        if self.flags:
            out.append("Options:")
            out += [f.usage() for f in sorted(self.flags, key=lambda f: f.name)]
        out += ["Usage:", f"  {self.use or f'kubectl {self.name} [options]'}", ""]
        out.append(
            'Use "kubectl options" for a list of global command-line options (applies to all commands).'
        )
        return "\n".join(out) + "\n"


VERBS: dict[str, Verb] = {}


def register(verb: Verb) -> Verb:
    """Add a verb, or a subcommand when its name has a space ("rollout undo")."""
    parent, _, leaf = verb.name.rpartition(" ")
    if parent:
        VERBS[parent].subcommands[leaf] = verb
        verb.parent = VERBS[parent]
    else:
        VERBS[verb.name] = verb
    return verb


def flag_error(verb: str, message: str) -> ConsoleError:
    """pflag's errors, as kubectl prints them."""
    return ConsoleError(f"error: {message}\nSee 'kubectl {verb} --help' for usage.")


def usage_error(verb: str, message: str) -> ConsoleError:
    """kubectl's UsageErrorf: the message and where to find help."""
    return ConsoleError(f"error: {message}\nSee 'kubectl {verb} -h' for help and examples")
