"""The organization directory as the screen reads it: the selector `organization_directory()`
(the `DirectoryEntry` rows as one `sensitive.Directory`), its `fingerprint` (what a stored
screening's key records), and `normalised(kind, value)`, the one definition of how an entry is
compared, used by `governance.actions.directory` when it saves one.

The selector lives here, not in `governance.selectors`, because the engine calls it: the rules
package imports the models and its own detector, never a module that imports the rules back.

Kinds and the `Directory` field each one fills:

- `phone` → `phones`: the national digits (`sensitive.normalise_phone`);
- `email_domain` → `email_domains`: a lower-case domain, whose sub-domains count too;
- `address` and `site` → `addresses`: the street line as the screen finds it in a post
  ("1428 Elm Street" of "1428 Elm Street, Boston, MA 02118"), in `sensitive.normalise_address`'s
  spelling; a site is a campus, clinic or building of the organization, entered by its street
  address and named by its label;
- `staff_name` → `names`: `sensitive.normalise_name`.
"""

import functools
import hashlib
import re

from . import sensitive
from .sensitive import Directory

FIELD_OF_KIND = {
    "phone": "phones",
    "email_domain": "email_domains",
    "address": "addresses",
    "site": "addresses",
    "staff_name": "names",
}
FIELDS = ("phones", "email_domains", "addresses", "names")

# The rows last read and what was built of them: a check that finds the same rows (the usual
# case) reuses the Directory and its fingerprint instead of building them again.
_last: tuple[frozenset, Directory] | None = None


def organization_directory() -> Directory:
    """The organization's own phones, e-mail domains, addresses and staff names: one query."""
    global _last
    from governance.models import DirectoryEntry

    rows = frozenset(DirectoryEntry.objects.order_by().values_list("kind", "normalised"))
    last = _last
    if last is not None and last[0] == rows:
        return last[1]
    found: dict[str, set[str]] = {name: set() for name in FIELDS}
    for kind, value in rows:
        if kind in FIELD_OF_KIND:
            found[FIELD_OF_KIND[kind]].add(value)
    directory = Directory(**{name: frozenset(values) for name, values in found.items()})
    _last = (rows, directory)
    return directory


def is_empty(directory: Directory | None) -> bool:
    return directory is None or not any(getattr(directory, name) for name in FIELDS)


@functools.lru_cache(maxsize=16)
def fingerprint(directory: Directory) -> str:
    """A digest of what the directory holds (the same entries: the same digest, in every process)."""
    content = [sorted(getattr(directory, name)) for name in FIELDS]
    return hashlib.sha256(repr(content).encode()).hexdigest()


# --- what an entry is compared as ------------------------------------------------------------

MAX_LENGTH = {"phone": 40, "email_domain": 253, "address": 300, "site": 300, "staff_name": 150}

_PHONE_RE = re.compile(r"[\d\s().+/\u2010-\u2015-]+(?:\s*,?\s*(?:ext\.?|extension|x)\s*\d{1,6})?", re.IGNORECASE)
_DOMAIN_RE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Where anyone has an address: entered as the organization's domain, every patient's e-mail
# there would be taken for the organization's own.
PUBLIC_MAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com yahoo.com ymail.com outlook.com hotmail.com live.com msn.com icloud.com me.com
    mac.com aol.com proton.me protonmail.com gmx.com gmx.net gmx.de mail.com zoho.com yandex.com yandex.ru
    comcast.net verizon.net att.net""".split()
)


def normalised(kind: str, value: str) -> str:
    """How an entry of `kind` entered as `value` is compared; ValueError (a sentence saying what
    to enter instead) when `value` cannot be one."""
    value = " ".join(value.split())
    if not value:
        raise ValueError("Enter a value.")
    if len(value) > MAX_LENGTH[kind]:
        raise ValueError(f"At most {MAX_LENGTH[kind]} characters.")
    if kind == "phone":
        return _phone(value)
    if kind == "email_domain":
        return _domain(value)
    if kind in ("address", "site"):
        return _street(value)
    if kind == "staff_name":
        return _name(value)
    raise ValueError(f"Unknown kind “{kind}”.")


def _phone(value: str) -> str:
    if not _PHONE_RE.fullmatch(value):
        raise ValueError("Enter a phone number: digits, spaces, + ( ) - . and an extension, e.g. +1 (617) 555-0142.")
    digits = sensitive.normalise_phone(value)
    if not digits.isdigit() or not 5 <= len(digits) <= 15:
        raise ValueError("A phone number has 5 to 15 digits besides its country code.")
    return digits


def _domain(value: str) -> str:
    domain = value.lower().removeprefix("@").rstrip(".")
    if "@" in domain or "/" in domain or not _DOMAIN_RE.fullmatch(domain):
        raise ValueError("Enter a domain, as it follows the @ of an address: stmarys.example.org.")
    if domain in PUBLIC_MAIL_DOMAINS:
        raise ValueError(
            f"{domain} is a public e-mail provider: every address there, patients' too, would count as the "
            "organization's own."
        )
    return domain


def _street(value: str) -> str:
    # The street line, as the screen's address spans have it, so that the address is recognised
    # where a post writes it without the city and postcode.
    span = next(iter(sensitive.street_addresses(value)), None)
    street = sensitive.normalise_address(value[span[0] : span[1]] if span else value)
    if not street:
        raise ValueError("Enter a street address, e.g. 1428 Elm Street.")
    return street


# A title or credentials are not part of the name the screen finds ("Dr. Priya Shah, MD").
_HONORIFIC_RE = re.compile(r"^(?:(?:dr|prof|mr|mrs|ms|mx|miss|nurse|rev|sr|fr)\.?\s+)+", re.IGNORECASE)


def _name(value: str) -> str:
    name = sensitive.normalise_name(_HONORIFIC_RE.sub("", value.partition(",")[0]))
    if any(c.isdigit() for c in name) or len(name.split()) < 2:
        raise ValueError("Enter a person's full name (given and family name), e.g. Priya Shah.")
    return name
