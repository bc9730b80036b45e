"""Abuse protection of the public forms: rate limits and a small arithmetic challenge.

Counters live in Django's cache (local memory in the embedded default, Redis in production),
one per scope, key and fixed time window, created with cache.add and raised with
cache.incr, both atomic on Redis: concurrent requests never lose a hit. A fixed window may
let through up to twice the limit across a window boundary; for keeping a form from being
flooded that is enough, and it makes Retry-After exact.

Keys are hashed before they reach the cache, so neither addresses nor phone numbers are
stored in it.

The challenge is for a client that submits repeatedly: a question such as "7 加 5 等于几？"
whose answer stays on the server, in the cache under a random nonce; the client only holds
the nonce, signed (django.core.signing) so it cannot be forged, usable once and for ten
minutes.
"""

import functools
import hashlib
import ipaddress
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CACHE_PREFIX = "throttle"
CHALLENGE_SALT = "portal.citizen.challenge"
CHALLENGE_MAX_AGE = 10 * 60
SUBMIT_SCOPE = "submit"


def _clock() -> float:
    # One place to read the time, so tests can move it without sleeping.
    return time.time()


# --- counters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def limit_get(name: str) -> Limit:
    """A limit of settings.CITIZEN_RATE_LIMITS ("count/seconds", e.g. "10/3600")."""
    try:
        count, seconds = settings.CITIZEN_RATE_LIMITS[name].split("/")
        limit = Limit(int(count), int(seconds))
    except (KeyError, ValueError) as error:
        raise ImproperlyConfigured(
            f"CITIZEN_RATE_LIMITS[{name!r}] must be 'count/seconds'"
        ) from error
    if limit.count < 1 or limit.seconds < 1:
        raise ImproperlyConfigured(f"CITIZEN_RATE_LIMITS[{name!r}] must be positive")
    return limit


def _window(window_seconds: int) -> tuple[int, float]:
    """Start of the current fixed window and the seconds left in it."""
    now = _clock()
    start = int(now // window_seconds) * window_seconds
    return start, start + window_seconds - now


def _cache_key(scope: str, key: str, window_seconds: int) -> str:
    start, _left = _window(window_seconds)
    digest = hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest()[:32]
    return f"{CACHE_PREFIX}:{scope}:{window_seconds}:{start}:{digest}"


def throttle_count(*, scope: str, key: str, window_seconds: int) -> int:
    """Hits counted so far in the current window (without counting one)."""
    return cache.get(_cache_key(scope, key, window_seconds), 0)


def _incr(*, scope: str, key: str, window_seconds: int) -> int:
    cache_key = _cache_key(scope, key, window_seconds)
    _start, left = _window(window_seconds)
    # The entry outlives its window by a second, so it never expires under a late incr.
    timeout = math.ceil(left) + 1
    if cache.add(cache_key, 1, timeout):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr: this hit opens the window again
            cache.add(cache_key, 1, timeout)
            count = 1
    return count


def throttle_hit(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit of `key` in `scope`; True when this hit goes over `limit` in the current
    window, i.e. the caller must refuse it. The limit-th hit is still allowed."""
    return _incr(scope=scope, key=key, window_seconds=window_seconds) > limit


def throttle_retry_after(window_seconds: int) -> int:
    """Whole seconds until the current window ends (for the Retry-After header)."""
    _start, left = _window(window_seconds)
    return max(1, math.ceil(left))


# --- who is asking ------------------------------------------------------------------------


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or, behind settings.AXES_IPWARE_PROXY_COUNT trusted
    proxies, the X-Forwarded-For entry the outermost of them added. Entries further left
    are whatever the client chose to send and are never trusted."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0
    if proxies > 0:
        forwarded = [
            part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= proxies:
            ip = _valid_ip(forwarded[-proxies])
            if ip:
                return ip
    return _valid_ip(remote) or remote


def ip_key(request: HttpRequest) -> str:
    """The throttle key of a client: its address, or for IPv6 its /64 network (one host
    holds a whole /64 and could otherwise rotate addresses at will)."""
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return ip


def phone_key(request: HttpRequest) -> str:
    """The phone number of a submitted form (POST 'phone'), digits only; empty if none."""
    return "".join(ch for ch in request.POST.get("phone", "") if ch.isdigit())


# --- the view decorators --------------------------------------------------------------------


def rate_limited_response(request: HttpRequest, retry_after: int) -> HttpResponse:
    """HTTP 429 with a page saying when to try again, and Retry-After."""
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(
        request,
        "citizen/rate_limited.html",
        {"retry_after": retry_after, "retry_minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(
    scope: str,
    limit_setting: str | None = None,
    *,
    key: Callable[[HttpRequest], str] = ip_key,
    methods: tuple[str, ...] = ("POST",),
):
    """Limit a view to CITIZEN_RATE_LIMITS[limit_setting] requests per key (the client's
    address by default; `phone_key` for the phone of a submitted form) in `scope`.

    Only requests of `methods` count; one with an empty key (no phone given) is not
    counted. Over the limit the view is not run: the client gets a 429 page. The count of
    this request is left on request.throttle_counts for the challenge."""
    setting = limit_setting or scope

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method in methods:
                value = key(request)
                if value:
                    limit = limit_get(setting)
                    count = _incr(scope=scope, key=value, window_seconds=limit.seconds)
                    request.throttle_counts = {
                        **getattr(request, "throttle_counts", {}),
                        scope: count,
                    }
                    if count > limit.count:
                        return rate_limited_response(request, throttle_retry_after(limit.seconds))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def failures_limited(limit_setting: str):
    """Refuse a view to a client that failed too often (see failure_record), e.g. tracking
    lookups with a wrong query code: CITIZEN_RATE_LIMITS[limit_setting] failures per
    window. Successful requests cost nothing."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            limit = limit_get(limit_setting)
            failures = throttle_count(
                scope=limit_setting, key=ip_key(request), window_seconds=limit.seconds
            )
            if failures >= limit.count:
                return rate_limited_response(request, throttle_retry_after(limit.seconds))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def failure_record(request: HttpRequest, limit_setting: str) -> bool:
    """Count a failure of the client (a wrong query code); True once it reached the limit."""
    limit = limit_get(limit_setting)
    count = _incr(scope=limit_setting, key=ip_key(request), window_seconds=limit.seconds)
    return count >= limit.count


# --- the challenge --------------------------------------------------------------------------


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def _challenge_cache_key(nonce: str) -> str:
    return f"{CACHE_PREFIX}:challenge:{nonce}"


def challenge_required(request: HttpRequest) -> bool:
    """Must this client answer a question before its report is taken? True once it made
    settings.CITIZEN_CHALLENGE_AFTER submissions in the "submit" window before this one."""
    limit = limit_get(SUBMIT_SCOPE)
    count = throttle_count(scope=SUBMIT_SCOPE, key=ip_key(request), window_seconds=limit.seconds)
    if SUBMIT_SCOPE in getattr(request, "throttle_counts", {}):
        count -= 1  # this very request was counted by @rate_limited already
    return count >= settings.CITIZEN_CHALLENGE_AFTER


def challenge_new() -> Challenge:
    """A new arithmetic question; its answer is kept in the cache under a random nonce, the
    client gets the signed nonce only."""
    a, b = 2 + secrets.randbelow(8), 1 + secrets.randbelow(9)
    if secrets.randbelow(2):
        question, answer = _("%(a)d 加 %(b)d 等于几？") % {"a": a, "b": b}, a + b
    else:
        a, b = max(a, b), min(a, b)
        question, answer = _("%(a)d 减 %(b)d 等于几？") % {"a": a, "b": b}, a - b
    nonce = secrets.token_urlsafe(16)
    cache.set(_challenge_cache_key(nonce), answer, CHALLENGE_MAX_AGE)
    token = signing.dumps(nonce, salt=CHALLENGE_SALT)
    return Challenge(question=question, token=token)


def challenge_check(token: str, answer: str | int | None) -> bool:
    """Is `answer` right for the challenge behind `token`? A token is good for one check
    only, right or wrong, and for ten minutes; a forged or altered one never passes."""
    try:
        nonce = signing.loads(token or "", salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return False
    cache_key = _challenge_cache_key(str(nonce))
    expected = cache.get(cache_key)
    # delete() tells whether this call removed the entry: of two concurrent checks of one
    # token only one can win.
    if expected is None or not cache.delete(cache_key):
        return False
    try:
        return int(str(answer).strip()) == expected
    except ValueError:
        return False


class ChallengeWidget(forms.MultiWidget):
    def __init__(self, attrs=None) -> None:
        answer_attrs = {"inputmode": "numeric", "autocomplete": "off", "size": 4}
        super().__init__([forms.HiddenInput(), forms.TextInput(attrs=answer_attrs)], attrs)

    def decompress(self, value):
        return [value, ""] if value else ["", ""]


class ChallengeField(forms.MultiValueField):
    """A form field asking the question of a fresh challenge (its label) and checking the
    answer against the token posted with it. It always renders the fresh challenge, so a
    form shown again after a wrong answer asks a new question."""

    widget = ChallengeWidget
    default_error_messages = {
        "incomplete": gettext_lazy("请回答验证问题。"),
        "wrong": gettext_lazy("验证问题回答错误或已过期，请回答新的问题。"),
    }

    def __init__(self, challenge: Challenge, **kwargs) -> None:
        self.challenge = challenge
        fields = (forms.CharField(), forms.CharField(max_length=4))
        kwargs.setdefault("label", challenge.question)
        kwargs.setdefault("help_text", _("为防止滥用，请先回答此问题。"))
        super().__init__(fields, initial=challenge.token, require_all_fields=True, **kwargs)

    def bound_data(self, data, initial):
        # The posted token has been used up by the check: show the new challenge instead.
        return initial

    def compress(self, data_list):
        token, answer = data_list
        if not challenge_check(token, answer):
            raise ValidationError(self.error_messages["wrong"], code="wrong")
        return True


def challenge_attach(form: forms.Form, request: HttpRequest, *, name: str = "challenge") -> bool:
    """Add a ChallengeField to `form` when this client must answer one; True if added."""
    if not challenge_required(request):
        return False
    form.fields[name] = ChallengeField(challenge_new())
    return True
