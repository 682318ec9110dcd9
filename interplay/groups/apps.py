from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "interplay.groups"
    label = "groups"
    verbose_name = "Group IPT"
