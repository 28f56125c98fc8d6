"""Abuse resistance: rate limits and client fingerprints, counted in the database, never an address stored.

Both hold across the processes and machines that serve the site: a fingerprint is a keyed hash (the key derived
from SECRET_KEY, which the database does not hold) with nothing in it that changes by day or by process, and the
counts are rows that every worker updates.
"""

import datetime
import ipaddress
import math

from django.conf import settings
from django.db import connection
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
    per client and action, updated in place by every app server, in one statement (`_count_one_more`).
    """
    limit, window = settings.RATE_LIMITS[action]
    now = now or timezone.now()
    count, counted_until = _count_one_more(action, fingerprint, now, now + datetime.timedelta(seconds=window))
    if count > limit:
        minutes = max(math.ceil((counted_until - now).total_seconds() / 60), 1)
        raise Refused(
            ngettext(
                "Vous avez fait trop de demandes en peu de temps. Merci de réessayer dans %(minutes)d minute.",
                "Vous avez fait trop de demandes en peu de temps. Merci de réessayer dans %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )


def _count_one_more(action, fingerprint, now, window_ends_at):
    """Add one to the client's counter (a new window if its last one has ended): (count, end of its window).

    One statement, whoever comes first: the insert of a new counter, or the update of the existing row, which
    PostgreSQL locks while it counts, so that concurrent requests each add one and read a count that includes
    all those before them.
    """
    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (action, fingerprint, count, window_ends_at) VALUES (%s, %s, 1, %s)
            ON CONFLICT (action, fingerprint) DO UPDATE SET
                count = CASE WHEN {table}.window_ends_at <= %s THEN 1 ELSE {table}.count + 1 END,
                window_ends_at = CASE
                    WHEN {table}.window_ends_at <= %s THEN EXCLUDED.window_ends_at ELSE {table}.window_ends_at
                END
            RETURNING count, window_ends_at
            """,
            [action, fingerprint, window_ends_at, now, now],
        )
        return cursor.fetchone()


def ended_rate_limit_counters(now=None):
    return RateLimitCounter.objects.filter(window_ends_at__lte=now or timezone.now())
