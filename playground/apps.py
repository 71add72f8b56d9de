from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    name = "playground"
    verbose_name = "Playground"

    def ready(self):
        # Modules that listen to sandbox changes (playground.changes) register on import.
        from playground import checks_worker  # noqa: F401
        from playground.kubeapi import feeds  # noqa: F401
