from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "interplay.courses"
    label = "courses"
    verbose_name = "Courses of therapy"
