"""The errors kubectl finds on the client side, before or instead of calling the API server."""


class ConsoleError(Exception):
    """A command kubectl itself would reject before calling the API server; its text is what
    kubectl prints on stderr."""
