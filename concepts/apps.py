from django.apps import AppConfig


class ConceptsConfig(AppConfig):
    name = "concepts"
    verbose_name = "Concept catalogue"

    def ready(self) -> None:
        # Registers the system check that looks for graphviz's `dot`.
        from concepts import checks  # noqa: F401
