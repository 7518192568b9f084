from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from . import actions
from .forms import OneTimeCodeForm
from .two_factor import check_code, confirmed_device, mark_session_verified


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password: checked against AUTH_PASSWORD_VALIDATORS; API tokens and other sessions end."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("dashboard")

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
                messages.success(request, "Two-factor authentication is on for your account.")
                return redirect(_next_url(request))
            if check.throttled:
                form.add_error("code", _throttled_message(check))
                return self.render_page(request, form, status=429)
            form.add_error("code", WRONG_CODE)
        return self.render_page(request, form, status=400)


class TwoFactorVerifyView(LoginRequiredMixin, View):
    """The second step of signing in: a code from the user's authenticator app."""

    template_name = "accounts/two_factor_verify.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and confirmed_device(request.user) is None:
            return redirect(f"{reverse('accounts:two-factor-setup')}?{urlencode({'next': _next_url(request)})}")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": OneTimeCodeForm(), "next": _next_url(request)})

    def post(self, request):
        form = OneTimeCodeForm(request.POST)
        status = 400
        if form.is_valid():
            check = check_code(request.user, confirmed_device(request.user), form.cleaned_data["code"])
            if check.ok:
                mark_session_verified(request, check.device)
                return redirect(_next_url(request))
            if check.throttled:
                form.add_error("code", _throttled_message(check))
                status = 429
            else:
                form.add_error("code", WRONG_CODE)
        return render(request, self.template_name, {"form": form, "next": _next_url(request)}, status=status)


def _base32_secret(device) -> str:
    return b32encode(device.bin_key).decode()


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]
