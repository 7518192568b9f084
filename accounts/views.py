from base64 import b32encode
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from . import actions
from . import signals as account_signals
from .forms import ConfirmPasswordForm, OneTimeCodeForm, SignInCodeForm
from .lockout import lockout_response
from .two_factor import (
    FEW_BACKUP_CODES_LEFT,
    backup_codes_left,
    check_sign_in_code,
    confirmed_device,
    mark_session_verified,
)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password: checked against AUTH_PASSWORD_VALIDATORS; API tokens and other sessions end."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("dashboard")

    def post(self, request, *args, **kwargs):
        # Guessing the current password counts like guessing it at sign-in: the same lockout
        # (django-axes, by username and by address), and every wrong guess is audited.
        if not AxesProxyHandler.is_allowed(request, self._credentials()):
            return lockout_response(request, credentials=self._credentials())
        return super().post(request, *args, **kwargs)

    def _credentials(self) -> dict:
        return {"username": self.request.user.get_username()}

    def form_invalid(self, form):
        if "old_password" in form.errors:
            account_signals.password_check_failed.send(sender=type(self), user=self.request.user)
            AxesProxyHandler.user_login_failed(sender=type(self), credentials=self._credentials(), request=self.request)
            if not AxesProxyHandler.is_allowed(self.request, self._credentials()):
                return lockout_response(self.request, credentials=self._credentials())
        return super().form_invalid(form)

    def form_valid(self, form):
        actions.change_password(form.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)  # this session stays signed in
        messages.success(
            self.request, "Your password has been changed. Your API tokens and other sessions were signed out."
        )
        return redirect(self.get_success_url())


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


WRONG_CODE = "That code is not right. Enter the code your app shows now."
WRONG_SIGN_IN_CODE = "That code is not right. Enter the code your app shows now, or an unused backup code."


def _throttled_message(check) -> str:
    return f"Too many wrong codes. Wait {check.retry_after_seconds} seconds, then enter the code your app shows."


class TwoFactorSetupView(LoginRequiredMixin, View):
    """Set up an authenticator app: a QR code (inline SVG) and the secret, confirmed by a first code."""

    template_name = "accounts/two_factor_setup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and confirmed_device(request.user) is not None:
            return redirect(f"{reverse('accounts:two-factor-verify')}?{urlencode({'next': _next_url(request)})}")
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, request, form, status=200):
        device = actions.start_totp_setup(request.user)
        qr = segno.make(device.config_url, error="m")
        context = {
            "form": form,
            # segno writes presentation attributes only (no style attribute): allowed by the CSP.
            "qr_svg": qr.svg_inline(scale=5, border=2, svgclass="qr-code", lineclass=None, title="QR code"),
            "secret": " ".join(_chunks(_base32_secret(device), 4)),
            "next": _next_url(request),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_page(request, OneTimeCodeForm())

    def post(self, request):
        form = OneTimeCodeForm(request.POST)
        if form.is_valid():
            device = actions.start_totp_setup(request.user)
            check = actions.confirm_totp_device(device, actor=request.user, code=form.cleaned_data["code"])
            if check.ok:
                mark_session_verified(request, device)
                codes = actions.generate_backup_codes(request.user, actor=request.user)
                messages.success(request, "Two-factor authentication is on for your account.")
                return _show_new_backup_codes(request, codes, next_url=_next_url(request))
            if check.throttled:
                form.add_error("code", _throttled_message(check))
                return self.render_page(request, form, status=429)
            form.add_error("code", WRONG_CODE)
        return self.render_page(request, form, status=400)


class TwoFactorVerifyView(LoginRequiredMixin, View):
    """The second step of signing in: a code from the user's authenticator app, or a backup code."""

    template_name = "accounts/two_factor_verify.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and confirmed_device(request.user) is None:
            return redirect(f"{reverse('accounts:two-factor-setup')}?{urlencode({'next': _next_url(request)})}")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": SignInCodeForm(), "next": _next_url(request)})

    def post(self, request):
        form = SignInCodeForm(request.POST)
        status = 400
        if form.is_valid():
            check = check_sign_in_code(request.user, confirmed_device(request.user), form.cleaned_data["code"])
            if check.ok:
                mark_session_verified(request, check.device)
                left = check.backup_codes_left
                _warn_if_few_backup_codes(request, backup_codes_left(request.user) if left is None else left)
                return redirect(_next_url(request))
            if check.throttled:
                form.add_error("code", _throttled_message(check))
                status = 429
            else:
                form.add_error("code", WRONG_SIGN_IN_CODE)
        return render(request, self.template_name, {"form": form, "next": _next_url(request)}, status=status)


def _warn_if_few_backup_codes(request, left: int) -> None:
    """Told on the page after the code step, the only time the count is looked up."""
    if left > FEW_BACKUP_CODES_LEFT:
        return
    have = "no backup codes left" if left == 0 else f"only {left} backup code{'s' if left > 1 else ''} left"
    messages.warning(request, f"You have {have}. Make new ones under Backup codes at the top of the page.")


def _show_new_backup_codes(request, codes: list[str], *, next_url: str):
    """The only time the codes are shown: in the answer to the request that made them, kept
    out of every cache; they are stored nowhere else than in django-otp's tokens."""
    response = render(request, "accounts/backup_codes_new.html", {"codes": codes, "next": next_url})
    add_never_cache_headers(response)
    return response


class BackupCodesView(LoginRequiredMixin, View):
    """How many backup codes are left, and new ones against the person's password (voiding
    the old ones). For a session past the second step only."""

    template_name = "accounts/backup_codes.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_verified():
            return redirect(f"{reverse('accounts:two-factor-verify')}?{urlencode({'next': request.path})}")
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, request, form, status=200):
        context = {"form": form, "left": backup_codes_left(request.user), "few": FEW_BACKUP_CODES_LEFT}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_page(request, ConfirmPasswordForm(request))

    def post(self, request):
        form = ConfirmPasswordForm(request, request.POST)
        if not form.is_valid():
            return self.render_page(request, form, status=400)
        codes = actions.generate_backup_codes(request.user, actor=request.user)
        messages.success(request, "New backup codes made. The old ones no longer work.")
        return _show_new_backup_codes(request, codes, next_url=reverse("accounts:backup-codes"))


def _base32_secret(device) -> str:
    return b32encode(device.bin_key).decode()


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]
