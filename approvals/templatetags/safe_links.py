"""`{{ address|http_url }}`: the address when it is an http(s) URL, else "" (no link).

Autoescaping stops markup, not a `javascript:` address in `href`. Addresses people type are
validated (URLField), but a connector stores what the platform answered as a post's live
address (`Post.remote_url`): a hostile or broken platform must not get a script linked on our
pages. Templates show such an address as text and link it only through this filter."""

from django import template

register = template.Library()


@register.filter
def http_url(address) -> str:
    text = address.strip() if isinstance(address, str) else ""
    return text if text.lower().startswith(("https://", "http://")) else ""
