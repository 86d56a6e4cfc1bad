"""Property-based API tests: schemathesis generates requests (valid and invalid) from the committed
OpenAPI of /api/v1/ and sends them in-process through the project's WSGI application, authenticated
with a real bearer API token of a staff user who holds broad permissions over a small seeded world.

Every operation must: never answer 5xx, answer only documented status codes with bodies matching the
documented schema, enforce its authentication, and wrap every 4xx in the envelope
{"code", "message", "details"} with a stable ASCII code and a Chinese message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from yiwang.config.wsgi import application
from yiwang.core import permissions as core_permissions
from yiwang.core.models import Dictionary, DictionaryEntry, Notification, Organization, Region
from yiwang.core.tests.factories import EnterpriseFactory, OrganizationFactory, PersonFactory, RegionFactory
from yiwang.identity import permissions as identity_permissions
from yiwang.identity.actor import Actor
from yiwang.identity.api_auth import hash_token
from yiwang.identity.models import ApiToken, DataScope
from yiwang.identity.tests.factories import CitizenFactory, make_staff
from yiwang.workflow import permissions as workflow_permissions
from yiwang.workflow.actions import definitions_load, instance_start

ROOT = Path(__file__).resolve().parents[4]
TOKEN = "yw_fuzz-0123456789abcdefghijklmnopqrstuvwxyz"  # a fixed plaintext: cases stay reproducible

BROAD_PERMISSIONS = sorted(
    {
        *core_permissions.PERMISSIONS,
        *identity_permissions.PERMISSIONS,
        *workflow_permissions.PERMISSIONS,
        "services.accept_application",
        "services.review_application",
        "services.decide_application",
        "hotline.register_ticket",
        "hotline.dispatch_ticket",
        "hotline.handle_ticket",
    }
)

# Business rules that span several parameters or look inside an upload cannot be written in OpenAPI:
# there a schema-valid request may rightly get 400 (with the envelope, which is still checked).
CROSS_FIELD_RULES = [
    "GET /api/v1/core/calendar/deadline",  # exactly one of working_days / working_hours
    "GET /api/v1/core/calendar/workdays",  # end not before start, at most 366 days
    "GET /api/v1/core/persons/{uid}",  # unmask needs a reason
    "POST /api/v1/files/",  # the real file type and size are checked on the bytes
]
CONFIG = schemathesis.Config.from_dict(
    {
        "operations": [
            {
                "include-name": CROSS_FIELD_RULES,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]
                    }
                },
            },
            {
                # Multipart cannot carry a wrongly-typed part: schemathesis' type-level negative
                # bodies reach the server as an ordinary valid upload.
                "include-name": "POST /api/v1/files/",
                "checks": {"negative_data_rejection": {"enabled": False}},
            },
        ]
    }
)

schema = schemathesis.openapi.from_path(ROOT / "openapi" / "v1.json", config=CONFIG)
schema.app = application


@schema.auth(refresh_interval=None, retry_on=[])
class BearerToken:
    """The staff user's API token; schemathesis also probes each operation without it."""

    def get(self, case, context):
        return TOKEN

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


CJK = re.compile(r"[\u3400-\u9fff]")  # ideographs, not just full-width punctuation
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def error_envelope(ctx, response, case):
    """Every 4xx is the envelope: a stable snake_case code and a message a Chinese reader understands."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    assert isinstance(body, dict), f"{response.status_code} body is not an object: {body!r}"
    assert set(body) == {"code", "message", "details"}, f"not the envelope: {body!r}"
    assert isinstance(body["code"], str) and CODE.match(body["code"]), f"bad code: {body!r}"
    assert isinstance(body["message"], str) and CJK.search(body["message"]), f"message not Chinese: {body!r}"
    return True


def test_the_envelope_check_refuses_what_is_not_the_envelope():
    def response(status, body):
        return type("Response", (), {"status_code": status, "json": staticmethod(lambda: body)})()

    envelope = {"code": "not_found", "message": "请求的资源不存在或无权访问", "details": None}
    assert error_envelope(None, response(404, envelope), None) is True
    assert error_envelope(None, response(200, {"anything": 1}), None) is None
    for bad in (
        {"detail": "Not Found"},
        {**envelope, "message": "Method not allowed"},
        {**envelope, "code": "不存在"},
        {**envelope, "extra": 1},
    ):
        with pytest.raises(AssertionError):
            error_envelope(None, response(404, bad), None)


def _nonempty_upload(case):
    """Werkzeug encodes an empty file part so that Django's multipart parser drops it, and the upload
    then lacks `file` (422, a quirk of the test transport): send one byte instead, which the server
    still refuses as a disallowed file type."""
    if isinstance(case.body, dict) and getattr(case.body.get("file"), "data", case.body.get("file")) in (
        "",
        b"",
    ):
        case.body = {**case.body, "file": b"\x00"}


def _strip_nul(value):
    if type(value) is str:  # not Binary (a str subclass): file bytes may hold NUL
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_strip_nul(k): _strip_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_nul(item) for item in value]
    return value


def _without_nul(case):
    """The API refuses a NUL character in any string with 400 `invalid_characters` (a rule stated in
    the API description rather than on every string in the schema, and tested directly in
    test_api_contract.py), so schema-valid strings are sent without it."""
    for attribute in ("query", "path_parameters", "body"):
        value = getattr(case, attribute, None)
        if isinstance(value, dict | list) or type(value) is str:
            setattr(case, attribute, _strip_nul(value))


@pytest.fixture
def world(transactional_db):
    """A city with two districts, three departments, citizens, enterprises, a running 一网通办 case,
    a dictionary and a message — and the token of a staff user holding every permission city-wide."""
    city = RegionFactory(code="320100", name="示范市", level=Region.Level.CITY)
    district_a = RegionFactory(code="320102", name="玄武区", parent=city)
    district_b = RegionFactory(code="320104", name="秦淮区", parent=city)
    government = OrganizationFactory(name="示范市人民政府", region=city, type=Organization.Type.GOVERNMENT)
    market = OrganizationFactory(name="玄武区市场监督管理局", region=district_a, parent=government)
    OrganizationFactory(name="秦淮区市场监督管理局", region=district_b, parent=government)
    for region in (district_a, district_b):
        PersonFactory(region=region)
        EnterpriseFactory(region=region)
    staff = make_staff(market, permissions=BROAD_PERMISSIONS, scope=DataScope.ALL, display_name="全权测试员")
    ApiToken.objects.create(user=staff, name="接口模糊测试", prefix=TOKEN[:8], token_hash=hash_token(TOKEN))
    citizen = CitizenFactory(display_name="王小明")
    definitions_load(actor=Actor.system())
    instance_start(
        actor=Actor.for_user(citizen),
        definition_code="yiwang_tongban",
        obj=citizen.person,
        organization=market,
        title="食品经营许可（新办）",
        owner=citizen,
    )
    dictionary = Dictionary.objects.create(code="matter_type", name="事项类型")
    DictionaryEntry.objects.create(dictionary=dictionary, code="licence", label="行政许可")
    Notification.objects.create(recipient=staff, title="新的待办", body="您有一件新的待办。")
    return staff


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_survives_generated_input(case, world):
    if case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE:
        _nonempty_upload(case)
        _without_nul(case)
    case.call_and_validate(additional_checks=[error_envelope])
