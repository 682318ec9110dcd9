from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.decorators.http import require_http_methods

from interplay.accounts import views

app_name = "accounts"

# Every view pins its methods: Django's form views would otherwise take PUT as POST.
FORM_METHODS = ["get", "head", "post"]
READ_METHODS = ["get", "head"]

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("verify/", views.verify, name="verify"),
    path("two-factor/setup/", views.setup, name="setup"),
    path("two-factor/backup-codes/", views.backup_codes, name="backup_codes"),
    path("logout/", auth_views.LogoutView.as_view(http_method_names=["post"]), name="logout"),
    path(
        "password-reset/",
        views.PasswordResetRequestView.as_view(
            template_name="accounts/password_reset.html",
            success_url=reverse_lazy("accounts:password_reset_done"),
            http_method_names=FORM_METHODS,
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="accounts/password_reset_done.html", http_method_names=READ_METHODS
        ),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        # Its dispatch answers an expired link before looking at the method: pin it first.
        require_http_methods([m.upper() for m in FORM_METHODS])(
            auth_views.PasswordResetConfirmView.as_view(
                template_name="accounts/password_reset_confirm.html",
                success_url=reverse_lazy("accounts:password_reset_complete"),
            )
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html", http_method_names=READ_METHODS
        ),
        name="password_reset_complete",
    ),
]
