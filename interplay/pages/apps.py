from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "interplay.pages"
    label = "pages"
    verbose_name = "Pages"
