from django import forms
from django.contrib.auth.forms import AuthenticationForm

from interplay.forms import InterplayForm


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is switched off. Ask your administrator.",
    }


class CodeForm(InterplayForm):
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
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The 6-digit code the app shows after you add Interplay."
