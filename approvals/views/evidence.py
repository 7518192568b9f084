"""What the audit log proves about one post, for compliance officers: who approved which
content (its hash), and what was sent (hash, platform id, address). Read from the post's events
alone (`selectors.evidence`), so it holds even for a post that was changed or deleted since.
Mounted in the audit log's namespace, at /audit/posts/<id>/."""

from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from audit.views import compliance_only, data_text
from governance.models import Channel

from ..selectors import evidence


@require_GET
@compliance_only
def post_evidence(request, post_id: int):
    found = evidence.evidence_for(post_id)
    if not found.events:
        raise Http404("No events for this post.")
    channel_id = found.channel_id
    channel = Channel.objects.filter(pk=channel_id).values("slug", "name").first() if channel_id else None
    return render(
        request,
        "audit/evidence.html",
        {
            "post_id": post_id,
            "channel": channel,
            "events": [{"event": e, "data": data_text(e.data)} for e in found.events],
            "truncated": found.truncated,
            "approvals": found.approvals,
            "submissions": found.submissions,
            "publications": found.publications,
            "log_query": urlencode({"target_type": evidence.POST_TARGET, "target_id": post_id}),
        },
    )
