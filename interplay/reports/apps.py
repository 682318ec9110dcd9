from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "interplay.reports"
    label = "reports"
    verbose_name = "Service figures and supervision"

    def ready(self) -> None:
        # Each course's figures row is refreshed by the services that change the course,
        # in their transaction (see interplay/courses/figures.py).
        from interplay.courses import figures
        from interplay.reports import rows

        figures.keep_with(rows.refresh)
