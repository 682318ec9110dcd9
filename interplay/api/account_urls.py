"""The token page: /account/tokens/."""

from django.urls import path

from interplay.api import views

app_name = "tokens"

urlpatterns = [
    path("", views.tokens, name="list"),
    path("new/", views.new_token, name="new"),
    path("<uuid:public_id>/revoke/", views.revoke, name="revoke"),
]
