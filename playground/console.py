"""The in-page kubectl console, for the views, the labs runner and the terminal.

The console lives in playground.kubectl (kubectl's client side, apart from the engine); this
module re-exports what its callers use.
"""

from playground.kubectl.console import (
    KUBECTL_ORDER,
    KUBECTL_VERBS,
    MAX_LINE,
    MAX_STDIN,
    REFUSALS,
    SUPPORTED,
    Command,
    ConsoleError,
    applied,
    complete,
    parse,
    run,
    typeable,
    unknown_command,
)

__all__ = [
    "KUBECTL_ORDER",
    "KUBECTL_VERBS",
    "MAX_LINE",
    "MAX_STDIN",
    "REFUSALS",
    "SUPPORTED",
    "Command",
    "ConsoleError",
    "applied",
    "complete",
    "parse",
    "run",
    "typeable",
    "unknown_command",
]
