"""Login lockout (issue 12 §4): per account *and* address with progressive back-off, a per-address
throttle against password spraying, the time to retry on the page, unlocking by an administrator,
and the client's address behind a trusted reverse proxy."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.core.models import AuditEvent
from yiwang.identity.actions import account_unlock, login_address_unlock
from yiwang.identity.actor import Actor
from yiwang.identity.lockout import (
    ACCOUNT,
    ADDRESS,
    account_state,
    address_state,
    lock_duration,
    retry_label,
)
from yiwang.identity.models import User
from yiwang.identity.permissions import MANAGE_ACCOUNTS
from yiwang.identity.tests.factories import PASSWORD, CitizenFactory, UserFactory, make_staff

LOGIN = "/accounts/login/"
STRANGER = "203.0.113.9"
OFFICE = "198.51.100.7"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
MINUTE = timedelta(minutes=1)
FIRST = timedelta(minutes=15)
LONGEST = timedelta(hours=24)


def _login(client, login_name: str, password: str, address: str, **meta):
    return client.post(LOGIN, {"username": login_name, "password": password}, REMOTE_ADDR=address, **meta)


def _time_passes(delta: timedelta) -> None:
    """Everything stored happened `delta` earlier (the suite does not sleep)."""
    AccessFailureLog.objects.update(attempt_time=F("attempt_time") - delta)
    AccessLog.objects.update(attempt_time=F("attempt_time") - delta)


def _last_failure(username: str):
    return AccessFailureLog.objects.filter(username=username).latest("attempt_time").attempt_time


# --------------------------------------------------------------------------- the rules (pure)


def test_five_failures_in_a_row_lock_for_the_first_lock_time():
    failures = [T0 + n * MINUTE for n in range(5)]

    state = account_state(failures, now=T0 + 5 * MINUTE, limit=5, first=FIRST, longest=LONGEST)

    assert state.locked_until == T0 + 4 * MINUTE + FIRST
    assert (state.remaining, state.rule) == (0, ACCOUNT)
    after = account_state(failures, now=T0 + 4 * MINUTE + FIRST, limit=5, first=FIRST, longest=LONGEST)
    assert (after.locked_until, after.remaining) == (None, 5)


def test_each_further_lock_lasts_twice_as_long_up_to_the_longest():
    assert [lock_duration(n, first=FIRST, longest=LONGEST) for n in (1, 2, 3, 4)] == [
        FIRST,
        2 * FIRST,
        4 * FIRST,
        8 * FIRST,
    ]
    assert lock_duration(40, first=FIRST, longest=LONGEST) == LONGEST
    first_run = [T0 + n * MINUTE for n in range(5)]  # locked 09:04 → 09:19
    second_run = [T0 + 20 * MINUTE + n * MINUTE for n in range(5)]  # locked 09:24 → 09:54

    state = account_state(first_run + second_run, now=T0 + 25 * MINUTE, limit=5, first=FIRST, longest=LONGEST)

    assert state.locked_until == T0 + 24 * MINUTE + 2 * FIRST


def test_a_pause_as_long_as_a_first_lock_starts_the_count_again():
    morning = [T0 + n * MINUTE for n in range(4)]
    later = T0 + 3 * MINUTE + FIRST

    state = account_state([*morning, later], now=later, limit=5, first=FIRST, longest=LONGEST)

    assert (state.locked_until, state.remaining) == (None, 4)


def test_the_address_rule_is_a_sliding_window():
    failures = [T0 + n * timedelta(seconds=30) for n in range(20)]

    locked = address_state(failures, now=T0 + 10 * MINUTE, limit=20, window=FIRST)
    open_again = address_state(failures, now=T0 + FIRST + timedelta(seconds=1), limit=20, window=FIRST)

    assert (locked.locked_until, locked.rule) == (T0 + FIRST, ADDRESS)
    assert (open_again.locked_until, open_again.remaining) == (None, 1)


@given(
    gaps=st.lists(st.integers(min_value=0, max_value=3 * 24 * 60), min_size=1, max_size=40),
    later=st.integers(min_value=0, max_value=3 * 24 * 60),
)
def test_a_lock_never_outlasts_the_longest_after_the_last_failure(gaps, later):
    moments, moment = [], T0
    for gap in gaps:
        moment += gap * MINUTE
        moments.append(moment)
    now = moments[-1] + later * MINUTE

    state = account_state(moments, now=now, limit=5, first=FIRST, longest=LONGEST)

    assert state.locked_until is None or now < state.locked_until <= moments[-1] + LONGEST
    assert state.locked == (state.remaining == 0)
    assert 0 <= state.remaining <= 5


def test_the_retry_time_is_rounded_up_and_dated_when_not_today():
    assert retry_label(T0 + timedelta(seconds=20), now=T0) == "09:01"
    assert retry_label(T0 + 3 * MINUTE, now=T0) == "09:03"
    assert retry_label(T0 + timedelta(hours=16), now=T0) == "2026年11月24日 01:00"


# --------------------------------------------------------------------------- the login page


@pytest.mark.django_db
def test_strangers_guessing_the_admins_password_do_not_lock_the_admin_out(client):
    """The issue's case: five anonymous POSTs with the administrator's username lock that username
    only from the stranger's address; the administrator signs in from the office at once."""
    admin = UserFactory(username="admin", kind=User.Kind.STAFF, is_staff=True, is_superuser=True)

    strangers = [_login(client, "admin", f"guess{i}abc", STRANGER) for i in range(5)]
    from_office = _login(client, "admin", PASSWORD, OFFICE)

    assert [r.status_code for r in strangers] == [200, 200, 200, 200, 403]
    assert from_office.status_code == 302
    assert client.session.get("_auth_user_id") == str(admin.pk)
    client.logout()
    assert _login(client, "admin", PASSWORD, STRANGER).status_code == 403  # the stranger stays locked


@pytest.mark.django_db
def test_the_lock_page_says_when_to_retry_and_refused_attempts_do_not_extend_it(client):
    CitizenFactory(username="zhouba")
    for i in range(4):
        _login(client, "zhouba", f"wrong{i}abc", STRANGER)

    locked = _login(client, "zhouba", "wrong4abc", STRANGER)
    until = retry_label(_last_failure("zhouba") + timedelta(minutes=15))
    again = _login(client, "zhouba", PASSWORD, STRANGER)

    assert locked.status_code == 403
    assert f"登录失败次数过多，请于 {until} 后重试，或联系管理员解除锁定" in locked.content.decode()
    assert again.status_code == 403
    assert f"请于 {until} 后重试" in again.content.decode()
    assert AccessFailureLog.objects.filter(username="zhouba").count() == 5  # the refused one not counted
    [event] = AuditEvent.objects.filter(action="identity.account_locked")
    assert (event.ip_address, event.data["rule"]) == (STRANGER, ACCOUNT)
    assert AuditEvent.objects.filter(action="identity.login_blocked").count() == 1


@pytest.mark.django_db
def test_a_second_lock_within_a_day_lasts_twice_as_long(client):
    citizen = CitizenFactory(username="wujiu")
    for i in range(5):
        _login(client, "wujiu", f"wrong{i}abc", STRANGER)

    _time_passes(timedelta(minutes=16))
    assert _login(client, "wujiu", "wrong5abc", STRANGER).status_code == 200  # unlocked: counts anew
    for i in range(3):
        _login(client, "wujiu", f"again{i}abc", STRANGER)
    second = _login(client, "wujiu", "again3abc", STRANGER)

    until = retry_label(_last_failure("wujiu") + timedelta(minutes=30))
    assert second.status_code == 403
    assert f"请于 {until} 后重试" in second.content.decode()
    _time_passes(timedelta(minutes=16))
    assert _login(client, "wujiu", PASSWORD, STRANGER).status_code == 403  # 30 minutes, not 15
    _time_passes(timedelta(minutes=15))
    assert _login(client, "wujiu", PASSWORD, STRANGER).status_code == 302
    assert client.session.get("_auth_user_id") == str(citizen.pk)


@pytest.mark.django_db
def test_one_address_spraying_many_accounts_is_throttled(client, settings):
    settings.YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT = 20
    victim = CitizenFactory(username="victim1")

    sprayed = [_login(client, f"someone{i}", "Password1!", STRANGER) for i in range(20)]
    right_password = _login(client, "victim1", PASSWORD, STRANGER)
    elsewhere = _login(client, "victim1", PASSWORD, OFFICE)

    assert [r.status_code for r in sprayed] == [200] * 19 + [403]
    assert "用户名或密码不正确，还可尝试 1 次" in sprayed[18].content.decode()  # the address's last one
    assert right_password.status_code == 403
    assert "当前网络登录失败次数过多" in right_password.content.decode()
    assert elsewhere.status_code == 302
    assert client.session.get("_auth_user_id") == str(victim.pk)
    [event] = AuditEvent.objects.filter(action="identity.account_locked")
    assert event.data["rule"] == ADDRESS


@pytest.mark.django_db
def test_a_successful_login_does_not_reset_the_address_throttle(client, settings):
    settings.YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT = 6
    CitizenFactory(username="sprayer")
    for i in range(5):
        _login(client, f"someone{i}", "Password1!", STRANGER)

    assert _login(client, "sprayer", PASSWORD, STRANGER).status_code == 302
    client.logout()

    assert _login(client, "someone9", "Password1!", STRANGER).status_code == 403


# --------------------------------------------------------------------------- unlocking


def _lock(client, username: str, address: str = STRANGER) -> None:
    for i in range(5):
        _login(client, username, f"wrong{i}abc", address)
    assert _login(client, username, PASSWORD, address).status_code == 403


@pytest.mark.django_db
def test_an_account_manager_unlocks_an_account_in_the_admin(client):
    locked_user = CitizenFactory(username="zhengshi")
    manager = make_staff(permissions=[MANAGE_ACCOUNTS], is_staff=True)
    _lock(client, "zhengshi")

    admin_client = Client()
    admin_client.force_login(manager)
    response = admin_client.post(
        "/admin/identity/user/", {"action": "unlock_logins", "_selected_action": [locked_user.pk]}
    )

    assert response.status_code == 302
    assert _login(client, "zhengshi", PASSWORD, STRANGER).status_code == 302
    [event] = AuditEvent.objects.filter(action="identity.account_unlocked")
    assert (event.actor_id, event.object_id) == (manager.pk, str(locked_user.pk))


@pytest.mark.django_db
def test_only_account_managers_unlock_and_a_refusal_leaves_the_lock(client):
    CitizenFactory(username="lisi")
    _lock(client, "lisi")
    clerk = make_staff(permissions=["workflow.view_instance"])

    with pytest.raises(PermissionDenied):
        account_unlock(actor=Actor.for_user(clerk), user=User.objects.get(username="lisi"))
    with pytest.raises(InvalidInput):
        login_address_unlock(actor=Actor.system(), address="not-an-address")

    assert _login(client, "lisi", PASSWORD, STRANGER).status_code == 403
    assert not AuditEvent.objects.filter(action__in=["identity.account_unlocked"]).exists()


@pytest.mark.django_db
def test_the_unlock_command_clears_an_account_or_an_address(client, settings):
    CitizenFactory(username="wangwu", phone="13800138003")
    _lock(client, "wangwu")

    call_command("unlock_login", "13800138003")  # by phone, like the login form

    assert _login(client, "wangwu", PASSWORD, STRANGER).status_code == 302
    client.logout()
    settings.YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for i in range(3):
        _login(client, f"nobody{i}", "Password1!", OFFICE)
    assert _login(client, "wangwu", PASSWORD, OFFICE).status_code == 403
    call_command("unlock_login", "--address", OFFICE)
    assert _login(client, "wangwu", PASSWORD, OFFICE).status_code == 302
    assert AuditEvent.objects.filter(action="identity.login_address_unlocked").count() == 1


@pytest.mark.django_db
def test_axes_own_reset_command_also_unlocks(client):
    CitizenFactory(username="zhaoliu")
    _lock(client, "zhaoliu")

    call_command("axes_reset_username", "zhaoliu")

    assert _login(client, "zhaoliu", PASSWORD, STRANGER).status_code == 302


# --------------------------------------------------------------------------- behind a reverse proxy


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_real_address_is_audited_and_locked(client, settings):
    settings.YIWANG_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.YIWANG_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    citizen = CitizenFactory(username="sunqi")

    for i in range(5):  # the stranger forges a leading entry; the proxy appends the real address
        _login(client, "sunqi", f"wrong{i}abc", proxy, HTTP_X_FORWARDED_FOR=f"198.51.100.7, {STRANGER}")
    from_office = _login(client, "sunqi", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=OFFICE)

    assert from_office.status_code == 302
    login = AuditEvent.objects.get(action="identity.login", object_id=str(citizen.pk))
    assert login.ip_address == OFFICE
    locked = AuditEvent.objects.get(action="identity.account_locked")
    assert locked.ip_address == STRANGER
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {STRANGER}
