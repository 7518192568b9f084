from django import forms
from django.contrib.auth import authenticate


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "data-testid": "otp-code",
            }
        ),
    )


class SignInCodeForm(OneTimeCodeForm):
    """The second sign-in step: the app's code or a backup code, in the same field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = "Code from your authenticator app, or a backup code"
        # Backup codes have letters: no digits-only keyboard on phones, no autocorrect.
        code.widget.attrs.pop("inputmode", None)
        code.widget.attrs.update({"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"})


class ConfirmPasswordForm(forms.Form):
    """The signed-in person's password again, before something that needs it (new backup codes).

    Checked with authenticate(), so a wrong password counts toward the sign-in lockout
    (django-axes) and is audited like a failed sign-in: a stolen session cannot guess it freely.
    """

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "data-testid": "backup-codes-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = authenticate(self.request, username=self.request.user.get_username(), password=password)
        if user is None or user.pk != self.request.user.pk:
            raise forms.ValidationError("That is not your password.", code="wrong_password")
        return password
