"""The publishing calendar: month and week views of the posts going out and gone out on the
channels the user may see, and a per-user iCalendar feed of the same posts.

Reads only: every page is one query for the posts in the range (`posts_visible_to`, so
nobody sees a post they could not open) and one for the channel filter, whatever the data.
Times are shown in the current time zone (settings.TIME_ZONE).

The feed is fetched by calendar apps, which cannot send cookies, so its address carries a
secret: an HMAC of the user id and password hash (`feed_token`). Nothing is stored (no
migration), and changing one's password revokes every address given out before.
"""

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from governance import selectors as governance_selectors

from ..models import Post, PostState
from ..selectors import posts_visible_to

# Placed on the calendar by when they are due to go out.
BY_SCHEDULE = (PostState.SCHEDULED, PostState.PUBLISHING, PostState.HELD)
# Placed by when they went out.
BY_PUBLICATION = (PostState.PUBLISHED,)

# The feed: what calendar apps need (recent history and everything planned), bounded.
FEED_PAST = timedelta(days=90)
FEED_FUTURE = timedelta(days=365)
FEED_LIMIT = 1000

_FEED_SALT = "clearpost.approvals.calendar-feed"


# --- the feed token -------------------------------------------------------------------------


def _feed_mac(user) -> str:
    return salted_hmac(_FEED_SALT, f"{user.pk}:{user.password}", algorithm="sha256").hexdigest()[:40]


def feed_token(user) -> str:
    """The secret part of the user's feed address: `<user id>-<HMAC>`."""
    return f"{user.pk}-{_feed_mac(user)}"


def user_for_feed_token(token: str):
    """The active user whose token this is, or None (unknown, forged, or revoked by a new password)."""
    pk, _, mac = token.partition("-")
    if not pk.isdigit() or not mac:
        return None
    user = get_user_model().objects.filter(pk=int(pk), is_active=True).first()
    if user is None or not constant_time_compare(mac, _feed_mac(user)):
        return None
    return user


# --- reading the posts ----------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def posts_in_range(user, start: datetime, end: datetime, *, channel=None):
    """Scheduled, publishing and held posts due in [start, end) and posts published in it,
    visible to `user`, ordered by when they (are to) go out. One query."""
    posts = posts_visible_to(user).filter(
        Q(state__in=BY_SCHEDULE, scheduled_at__gte=start, scheduled_at__lt=end)
        | Q(state__in=BY_PUBLICATION, published_at__gte=start, published_at__lt=end)
    )
    if channel is not None:
        posts = posts.filter(channel=channel)
    return posts.order_by("id")


def when(post: Post) -> datetime:
    return post.published_at if post.state in BY_PUBLICATION else post.scheduled_at


@dataclass
class Day:
    date: date
    in_period: bool
    is_today: bool
    posts: list = field(default_factory=list)


def _days(first: date, last: date, posts, *, period: tuple[date, date]) -> list[Day]:
    today = timezone.localdate()
    by_date: dict[date, list] = {}
    for post in sorted(posts, key=lambda p: (when(p), p.pk)):
        post.calendar_time = timezone.localtime(when(post))
        by_date.setdefault(post.calendar_time.date(), []).append(post)
    days = []
    current = first
    while current <= last:
        days.append(
            Day(
                date=current,
                in_period=period[0] <= current <= period[1],
                is_today=current == today,
                posts=by_date.get(current, []),
            )
        )
        current += timedelta(days=1)
    return days


# The pages reach a month or a week either side of the one shown: years 1 and 9999 would
# step out of `date`'s range (a 500), so they count as not given, like any malformed value.
_YEARS = range(2, 9999)


def _parse_month(value: str | None) -> date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if year in _YEARS:
            return date(year, month, 1)
    except ValueError:
        pass
    return timezone.localdate().replace(day=1)


def _parse_day(value: str | None) -> date:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()
    return day if day.year in _YEARS else timezone.localdate()


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _channel_filter(request):
    """The channels offered in the filter (those the user may see) and the chosen one, if any."""
    channels = list(governance_selectors.channels_visible_to(request.user).order_by("name"))
    wanted = request.GET.get("channel") or ""
    chosen = next((c for c in channels if c.slug == wanted), None)
    return channels, chosen


def _page(
    request, *, view: str, title: str, first: date, last: date, period, prev_param, next_param, today_param, other_param
):
    channels, chosen = _channel_filter(request)
    posts = posts_in_range(request.user, _start_of(first), _start_of(last + timedelta(days=1)), channel=chosen)
    days = _days(first, last, posts, period=period)
    param = "month" if view == "month" else "week"
    suffix = f"&channel={chosen.slug}" if chosen else ""
    return render(
        request,
        f"approvals/calendar/{view}.html",
        {
            "view": view,
            "title": title,
            "days": days,
            "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
            "weekday_names": list(pycalendar.day_abbr),
            "post_count": sum(len(day.posts) for day in days if day.in_period),
            "channels": channels,
            "chosen": chosen,
            "prev_query": f"?{param}={prev_param}{suffix}",
            "next_query": f"?{param}={next_param}{suffix}",
            "today_query": f"?{param}={today_param}{suffix}",
            "channel_query": suffix,
            "other_view_query": f"?{other_param}{suffix}",
            "ical_url": request.build_absolute_uri(
                reverse("calendar:feed", kwargs={"token": feed_token(request.user)})
            ),
            "tz": timezone.get_current_timezone_name(),
        },
    )


@login_required
@require_GET
def month(request):
    """`?month=YYYY-MM` (default: this month), `&channel=<slug>`: the month as whole weeks."""
    first_of_month = _parse_month(request.GET.get("month"))
    last_of_month = _add_months(first_of_month, 1) - timedelta(days=1)
    today = timezone.localdate()
    # The week view of this month: today's week when the month holds it, else its first week.
    week_start = today if first_of_month <= today <= last_of_month else first_of_month
    first = first_of_month - timedelta(days=first_of_month.weekday())
    last = last_of_month + timedelta(days=6 - last_of_month.weekday())
    return _page(
        request,
        view="month",
        title=first_of_month.strftime("%B %Y"),
        first=first,
        last=last,
        period=(first_of_month, last_of_month),
        prev_param=_add_months(first_of_month, -1).strftime("%Y-%m"),
        next_param=_add_months(first_of_month, 1).strftime("%Y-%m"),
        today_param=today.strftime("%Y-%m"),
        other_param=f"week={week_start.isoformat()}",
    )


@login_required
@require_GET
def week(request):
    """`?week=YYYY-MM-DD` (any day of the week; default: this week), `&channel=<slug>`."""
    first = _parse_day(request.GET.get("week"))
    first -= timedelta(days=first.weekday())
    last = first + timedelta(days=6)
    today = timezone.localdate()
    return _page(
        request,
        view="week",
        title=f"Week of {first.day} {first:%B %Y}",
        first=first,
        last=last,
        period=(first, last),
        prev_param=(first - timedelta(days=7)).isoformat(),
        next_param=(first + timedelta(days=7)).isoformat(),
        today_param=(today - timedelta(days=today.weekday())).isoformat(),
        other_param=f"month={first:%Y-%m}",
    )


# --- the iCalendar feed ---------------------------------------------------------------------


@require_GET
def feed(request, token: str):
    """The user's calendar as iCalendar: posts from 90 days ago to a year ahead. 404 for a
    token that is not (or no longer) valid, as for any address that does not exist."""
    user = user_for_feed_token(token)
    if user is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    posts = posts_in_range(user, now - FEED_PAST, now + FEED_FUTURE)[:FEED_LIMIT]
    cal = Calendar()
    cal.add("prodid", "-//Clearpost//Publishing calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Clearpost: {user.get_username()}")
    for post in posts:
        start = when(post)
        event = Event()
        event.add("uid", f"post-{post.pk}@clearpost")
        event.add("dtstamp", post.updated_at)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=15))
        prefix = "HELD: " if post.state == PostState.HELD else ""
        event.add("summary", f"{prefix}{post.channel.name}: {post.title}")
        url = request.build_absolute_uri(f"/posts/{post.pk}/")
        # Title, channel, state and link only: the feed leaves the portal, never with the post's text.
        event.add("description", f"{post.title}\n{post.get_state_display()} on {post.channel.name}.\n{url}")
        event.add("status", "TENTATIVE" if post.state == PostState.HELD else "CONFIRMED")
        event.add("url", url)
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="clearpost.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
