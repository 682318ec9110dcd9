from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "interplay.referrals"
    label = "referrals"
    verbose_name = "Referrals"
