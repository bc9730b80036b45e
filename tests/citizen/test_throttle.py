"""Rate limits per address and per phone, the 429 page, and the arithmetic challenge."""

import re

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory

from portal.citizen import throttle
from portal.citizen.throttle import (
    challenge_attach,
    challenge_check,
    challenge_new,
    challenge_required,
    client_ip,
    failure_record,
    failures_limited,
    phone_key,
    rate_limited,
    throttle_hit,
)

T0 = 1_800_000_000.0  # a moment at the very start of an hour window (divisible by 3600)


@pytest.fixture
def clock(monkeypatch):
    """Move the throttle's clock by hand: no sleeping."""

    class Clock:
        now = T0

        def __call__(self) -> float:
            return self.now

    fake = Clock()
    monkeypatch.setattr(throttle, "_clock", fake)
    return fake


@pytest.fixture
def limits(settings):
    settings.CITIZEN_RATE_LIMITS = {
        "submit": "3/3600",
        "submit_phone": "2/3600",
        "lookup": "4/600",
        "lookup_failures": "2/600",
    }
    settings.CITIZEN_CHALLENGE_AFTER = 2
    settings.AXES_IPWARE_PROXY_COUNT = 0
    return settings.CITIZEN_RATE_LIMITS


rf = RequestFactory()


def anonymous(request):
    request.user = AnonymousUser()
    return request


def post(ip: str = "198.51.100.7", **data):
    return anonymous(rf.post("/report/", data=data, REMOTE_ADDR=ip))


def get(ip: str = "198.51.100.7", **params):
    return anonymous(rf.get("/report/track/", params, REMOTE_ADDR=ip))


def hits(n: int, **kwargs) -> list[bool]:
    return [throttle_hit(**kwargs) for _ in range(n)]


# --- counters ---------------------------------------------------------------------------------


def test_the_limit_is_reached_exactly_at_the_limit(clock):
    args = {"scope": "t", "key": "a", "limit": 3, "window_seconds": 60}
    assert hits(5, **args) == [False, False, False, True, True]


def test_keys_and_scopes_are_independent(clock):
    args = {"limit": 1, "window_seconds": 60}
    assert throttle_hit(scope="t", key="a", **args) is False
    assert throttle_hit(scope="t", key="b", **args) is False
    assert throttle_hit(scope="u", key="a", **args) is False
    assert throttle_hit(scope="t", key="a", **args) is True


def test_a_new_window_starts_counting_afresh(clock):
    args = {"scope": "t", "key": "a", "limit": 2, "window_seconds": 60}
    assert hits(3, **args) == [False, False, True]
    clock.now += 59
    assert throttle_hit(**args) is True
    assert throttle.throttle_retry_after(60) == 1
    clock.now += 1
    assert hits(3, **args) == [False, False, True]


def test_the_cache_key_holds_no_address_nor_phone(clock):
    assert "203.0.113.9" not in throttle._cache_key("submit", "203.0.113.9", 60)
    assert "13812349000" not in throttle._cache_key("submit_phone", "13812349000", 60)


# --- client address ---------------------------------------------------------------------------


def test_client_ip_ignores_forwarded_for_without_a_proxy(settings):
    settings.AXES_IPWARE_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.2"


def test_client_ip_behind_proxies_takes_the_entry_the_outermost_proxy_added(settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    spoofed = rf.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )  # the client wrote 6.6.6.6 itself; nginx appended the real address
    assert client_ip(spoofed) == "198.51.100.7"
    settings.AXES_IPWARE_PROXY_COUNT = 2
    assert client_ip(spoofed) == "6.6.6.6"
    settings.AXES_IPWARE_PROXY_COUNT = 3  # fewer entries than proxies: not through them all
    assert client_ip(spoofed) == "10.0.0.2"
    settings.AXES_IPWARE_PROXY_COUNT = 1
    garbage = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(garbage) == "10.0.0.2"


def test_one_ipv6_host_counts_as_its_whole_64(limits):
    a = post(ip="2001:db8:1:2::1")
    b = post(ip="2001:db8:1:2:ffff::9")
    assert throttle.ip_key(a) == throttle.ip_key(b) == "2001:db8:1:2::/64"
    assert throttle.ip_key(post(ip="2001:db8:1:3::1")) != throttle.ip_key(a)


# --- the decorators ----------------------------------------------------------------------------


@rate_limited("submit")
@rate_limited("submit_phone", key=phone_key)
def submit_view(request):
    return HttpResponse("ok")


@rate_limited("lookup", methods=("GET",))
@failures_limited("lookup_failures")
def lookup_view(request):
    if request.GET.get("code") != "RIGHT":
        failure_record(request, "lookup_failures")
        return HttpResponse("wrong code")
    return HttpResponse("found")


def test_submissions_are_limited_per_address(limits, clock):
    codes = [submit_view(post()).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert submit_view(post(ip="198.51.100.8")).status_code == 200  # another address
    assert submit_view(get()).status_code == 200  # showing the form costs nothing


def test_submissions_are_limited_per_phone_across_addresses(limits, clock):
    codes = [
        submit_view(post(ip=f"198.51.100.{i}", phone="138 1234 9000")).status_code for i in range(3)
    ]
    assert codes == [200, 200, 429]
    assert submit_view(post(ip="198.51.100.50", phone="13900001111")).status_code == 200


def test_the_429_page_is_chinese_and_says_when_to_retry(limits, clock):
    clock.now = T0 + 600  # 50 minutes left in the hour window
    for _ in range(3):
        submit_view(post())
    response = submit_view(post())
    assert response.status_code == 429
    assert response["Retry-After"] == "3000"
    page = response.content.decode()
    assert "操作过于频繁" in page
    assert "请在 50 分钟后再试" in page
    assert '<html lang="zh-CN">' in page  # the site's layout (base.html)


def test_lookups_are_limited_per_address(limits, clock):
    codes = [lookup_view(get(code="RIGHT")).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]


def test_failed_lookups_lock_the_address_out_but_not_others(limits, clock):
    assert lookup_view(get(code="X")).content == b"wrong code"
    assert lookup_view(get(code="Y")).content == b"wrong code"
    refused = lookup_view(get(code="RIGHT"))  # even the right code: too many guesses
    assert refused.status_code == 429
    assert refused["Retry-After"] == "600"
    assert lookup_view(get(ip="198.51.100.99", code="RIGHT")).content == b"found"
    clock.now += 600
    assert lookup_view(get(code="RIGHT")).content == b"found"


def test_a_bad_limit_setting_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.CITIZEN_RATE_LIMITS = {"submit": "ten per hour"}
    with pytest.raises(ImproperlyConfigured):
        throttle.limit_get("submit")


# --- the challenge -----------------------------------------------------------------------------


def solve(question: str) -> int:
    a, op, b = re.fullmatch(r"(\d+) (加|减) (\d+) 等于几？", question).groups()
    return int(a) + int(b) if op == "加" else int(a) - int(b)


def test_challenge_is_required_after_n_submissions_from_the_address(limits, clock):
    @rate_limited("submit")
    def view(request):
        return HttpResponse("yes" if challenge_required(request) else "no")

    assert [view(post()).content for _ in range(3)] == [b"no", b"no", b"yes"]
    assert challenge_required(get()) is True  # the form shown next asks the question
    assert challenge_required(get(ip="198.51.100.8")) is False


def test_challenge_right_answer_passes_once():
    challenge = challenge_new()
    assert re.fullmatch(r"\d+ (加|减) \d+ 等于几？", challenge.question)
    answer = solve(challenge.question)
    # The client holds a random nonce only; the answer stays on the server.
    nonce = signing.loads(challenge.token, salt=throttle.CHALLENGE_SALT)
    assert isinstance(nonce, str) and len(nonce) >= 20
    assert challenge_check(challenge.token, str(answer)) is True
    assert challenge_check(challenge.token, str(answer)) is False  # replayed


def test_challenge_wrong_answer_fails_and_uses_the_token_up():
    challenge = challenge_new()
    answer = solve(challenge.question)
    assert challenge_check(challenge.token, str(answer + 1)) is False
    assert challenge_check(challenge.token, str(answer)) is False
    other = challenge_new()
    assert challenge_check(other.token, "七") is False


def test_challenge_expires_after_ten_minutes(monkeypatch):
    challenge = challenge_new()
    answer = solve(challenge.question)
    real = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() + 601)
    assert challenge_check(challenge.token, str(answer)) is False


def test_challenge_tampered_or_forged_token_fails():
    challenge = challenge_new()
    answer = solve(challenge.question)
    nonce = signing.loads(challenge.token, salt=throttle.CHALLENGE_SALT)
    forged = signing.dumps(nonce, salt=throttle.CHALLENGE_SALT, key="not-the-secret-key")
    assert challenge_check(forged, str(answer)) is False
    tampered = challenge.token[:-2] + ("AA" if not challenge.token.endswith("AA") else "BB")
    assert challenge_check(tampered, str(answer)) is False
    assert challenge_check("", str(answer)) is False
    assert challenge_check(challenge.token, str(answer)) is True  # the genuine one still works


class ReportForm(forms.Form):
    description = forms.CharField()


def test_the_form_field_asks_checks_and_renews_the_question(limits, clock):
    for _ in range(2):
        submit_view(post())
    form = ReportForm()
    assert challenge_attach(form, get()) is True
    field = form.fields["challenge"]
    html = form.as_p()
    assert field.label in html and "等于几？" in html

    wrong = ReportForm(
        {
            "description": "x",
            "challenge_0": field.challenge.token,
            "challenge_1": str(solve(field.challenge.question) + 1),
        }
    )
    challenge_attach(wrong, get())
    assert not wrong.is_valid()
    assert "验证问题回答错误或已过期" in str(wrong.errors["challenge"])
    renewed = wrong.fields["challenge"].challenge
    assert renewed.token in wrong.as_p() and field.challenge.token not in wrong.as_p()

    right = ReportForm(
        {
            "description": "x",
            "challenge_0": renewed.token,
            "challenge_1": str(solve(renewed.question)),
        }
    )
    challenge_attach(right, get())
    assert right.is_valid(), right.errors

    assert challenge_attach(ReportForm(), get(ip="198.51.100.8")) is False
