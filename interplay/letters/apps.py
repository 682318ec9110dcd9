from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "interplay.letters"
    label = "letters"
    verbose_name = "Letters"
