from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rejets.core"
    verbose_name = "Socle technique"

    def ready(self) -> None:
        from . import append_only  # noqa: F401  (registers the SQLite maintenance function)
