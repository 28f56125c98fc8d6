"""Abuse resistance: rate limits and client fingerprints, counted in the database, never an address stored.

Both hold across the processes and machines that serve the site: a fingerprint is a keyed hash (the key derived
from SECRET_KEY, which the database does not hold) with nothing in it that changes by day or by process, and the
counts are rows that every worker updates.
"""

import datetime
import ipaddress
import math

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext

from ..models import RateLimitCounter
from . import Refused

ACCOUNT_SALT = "participation.rate-limit.account"
CLIENT_SALT = "participation.abuse.client"
REPORTER_SALT = "participation.abuse.reporter"


def client_network(remote_addr):
    """The unit a rate limit counts: the IPv4 address, or the /64 an IPv6 host chooses its addresses in."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_fingerprint(remote_addr):
    """A keyed hash of the client's network, for rate limits: enough to count, never the address.

    Headers a client chooses (User-Agent) are left out, so changing them does not make a new client. The counters
    that hold it are deleted once their window has ended.
    """
    return salted_hmac(CLIENT_SALT, client_network(remote_addr), algorithm="sha256").hexdigest()


def account_fingerprint(email):
    """A keyed hash of an email address, for limits per account whatever the client (password reset)."""
    return salted_hmac(ACCOUNT_SALT, email.strip().lower(), algorithm="sha256").hexdigest()


def reporter_fingerprint(contribution_id, remote_addr):
    """A keyed hash of the client and one contribution: a client's report counts once for the contribution's life.

    The contribution is in the hash, so that one client's reports of different contributions cannot be linked.
    """
    value = f"{contribution_id}:{client_network(remote_addr)}"
    return salted_hmac(REPORTER_SALT, value, algorithm="sha256").hexdigest()


def check_rate_limit(action, fingerprint, now=None):
    """Refuse once a client has made more than the allowed number of `action` in the window.

    The window opens at the client's first request and lasts RATE_LIMITS[action] seconds. The count is one row
    per client and action, updated in place by every app server: the update locks the row until the transaction
    ends, so concurrent requests each add one and read a count that includes all those before them.
    """
    limit, window = settings.RATE_LIMITS[action]
    now = now or timezone.now()
    window_ends_at = now + datetime.timedelta(seconds=window)
    with transaction.atomic():
        counter, created = RateLimitCounter.objects.get_or_create(
            action=action, fingerprint=fingerprint, defaults={"count": 1, "window_ends_at": window_ends_at}
        )
        if not created:
            ended = Q(window_ends_at__lte=now)
            RateLimitCounter.objects.filter(pk=counter.pk).update(
                count=Case(When(ended, then=Value(1)), default=F("count") + 1),
                window_ends_at=Case(When(ended, then=Value(window_ends_at)), default=F("window_ends_at")),
            )
            counter.refresh_from_db(fields=["count", "window_ends_at"])
    if counter.count > limit:
        minutes = max(math.ceil((counter.window_ends_at - now).total_seconds() / 60), 1)
        raise Refused(
            ngettext(
                "Vous avez fait trop de demandes en peu de temps. Merci de réessayer dans %(minutes)d minute.",
                "Vous avez fait trop de demandes en peu de temps. Merci de réessayer dans %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )


def ended_rate_limit_counters(now=None):
    return RateLimitCounter.objects.filter(window_ends_at__lte=now or timezone.now())
