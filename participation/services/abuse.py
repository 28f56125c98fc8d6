"""Abuse resistance: rate limits and client fingerprints, counted in the (shared) cache, never an address stored."""

import hashlib
import hmac
import ipaddress
import secrets

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from . import Refused


def client_network(remote_addr):
    """The unit a rate limit counts: the IPv4 address, or the /64 an IPv6 host chooses its addresses in."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def daily_salt(day=None):
    """A random salt for the day, kept only in the (shared) cache and forgotten after two days.

    Derived from nothing stored, so even whoever holds SECRET_KEY and the database cannot try every
    address against an old fingerprint.
    """
    day = day or timezone.localdate()
    return cache.get_or_set(f"participation:fingerprint-salt:{day.isoformat()}", secrets.token_hex(32), 2 * 86400)


def client_fingerprint(remote_addr, day=None):
    """A keyed hash of the client's network, salted with the day: enough to count, never the address.

    Headers a client chooses (User-Agent) are left out, so changing them does not make a new client;
    the salt rotates daily, so fingerprints cannot be linked from one day to the next.
    """
    key = daily_salt(day).encode()
    return hmac.new(key, client_network(remote_addr).encode(), hashlib.sha256).hexdigest()


def check_rate_limit(action, fingerprint):
    """Refuse once a client has made more than the allowed number of `action` in the window."""
    limit, window = settings.RATE_LIMITS[action]
    key = f"ratelimit:{action}:{fingerprint}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count > limit:
        raise Refused(_("Vous avez fait trop de demandes en peu de temps. Merci de réessayer dans quelques minutes."))
