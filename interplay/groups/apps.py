from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "interplay.groups"
    label = "groups"
    verbose_name = "Group IPT"

    def ready(self) -> None:
        # The week, calendar feed and caseload (courses) show group sessions once, through
        # courses.shared: courses does not import groups, which reads courses.
        from interplay.courses import shared
        from interplay.groups import diary

        shared.register(diary)
