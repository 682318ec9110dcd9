from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from interplay.lib.crypto import encrypt_text


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is switched off. Ask your administrator.",
    }


class CodeForm(forms.Form):
    """One code from an authenticator app (6 digits) or a backup code (8 characters)."""

    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code your authenticator app shows now, or one of your backup codes.",
        max_length=20,
        error_messages={"required": "Enter the code from your authenticator app"},
    )
    code.input_width = 10  # type: ignore[attr-defined]
    code.widget.attrs.update(
        {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
    )


class SetupCodeForm(CodeForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].help_text = "The 6-digit code the app shows after you add Interplay."


class PasswordResetRequestForm(PasswordResetForm):
    """The address someone types; saving only queues the lookup and the email
    (``tasks.send_password_reset``), so a known and an unknown address take as long."""

    def save(self, **kwargs: Any) -> None:  # type: ignore[override]
        from interplay.accounts.tasks import send_password_reset

        send_password_reset.enqueue(encrypt_text(self.cleaned_data["email"]))
