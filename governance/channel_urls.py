"""Channel pages, mounted at /channels/ by config/urls.py."""

from django.urls import path

from . import channel_views

app_name = "channels"

urlpatterns = [
    path("", channel_views.channel_list, name="list"),
    path("<slug:slug>/", channel_views.channel_detail, name="detail"),
    path("<slug:slug>/grant/", channel_views.grant, name="grant"),
    path("<slug:slug>/revoke/", channel_views.revoke, name="revoke"),
    path("<slug:slug>/transfer/", channel_views.transfer, name="transfer"),
]
