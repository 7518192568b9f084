"""What a locked-out client sees (django-axes' AXES_LOCKOUT_CALLABLE), on the pages and in the API."""

from axes.helpers import get_cool_off
from django.http import JsonResponse
from django.shortcuts import render
from rest_framework import status
from rest_framework.exceptions import APIException

LOCKED_OUT_DETAIL = "Too many failed sign-in attempts. Sign-in is paused for {minutes} minutes; try again later."


def cool_off_minutes(request=None) -> int:
    cool_off = get_cool_off(request)
    return max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0


class LockedOut(APIException):
    """API answer while a username or address is locked out: 429 with Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, request=None):
        minutes = cool_off_minutes(request)
        super().__init__(LOCKED_OUT_DETAIL.format(minutes=minutes), "locked_out")
        self.wait = minutes * 60  # DRF turns `wait` into a Retry-After header


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page (and the admin's) after a lockout: a page saying what happened, 429.

    The API token endpoint raises `LockedOut` itself; JSON here covers any other API path."""
    minutes = cool_off_minutes(request)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": LOCKED_OUT_DETAIL.format(minutes=minutes), "code": "locked_out"},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
        response["Retry-After"] = str(minutes * 60)
        return response
    response = render(
        request,
        "accounts/locked_out.html",
        {"cool_off_minutes": minutes, "detail": LOCKED_OUT_DETAIL.format(minutes=minutes)},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
