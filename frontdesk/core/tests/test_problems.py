"""Every error path of the API answers RFC 9457 problem+json with the request id
(SPEC section 3), and a failed request writes nothing (rule 10)."""

import uuid

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from frontdesk.core.testing import ApiClient
from frontdesk.organizations import selectors, services
from frontdesk.organizations.models import Membership

PROBLEM = "application/problem+json"


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://frontdesk.dev/problems/")
    assert body["title"] and body["detail"]
    assert body["request_id"] == response["X-Request-ID"]
    return body


def test_an_unknown_route_is_a_404_problem(api, anon_api):
    assert_problem(api.get("/no-such-thing"), 404)
    assert_problem(anon_api.get("/api/elsewhere"), 404)


def test_an_unknown_id_is_a_404_problem(api):
    body = assert_problem(api.get(f"/staff/{uuid.uuid4()}"), 404)
    assert body["type"].endswith("/not-found")


def test_a_method_the_route_does_not_have_is_a_405_problem_naming_the_allowed_ones(api):
    response = api.delete("/staff")
    body = assert_problem(response, 405)
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}
    assert "GET" in body["detail"]


def test_invalid_input_is_a_422_problem_listing_each_field(api, in_org):
    with in_org():
        before = Membership.objects.count()
    response = api.post("/staff", {"email": 5, "full_name": "x" * 300})
    body = assert_problem(response, 422)
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"email", "full_name", "role"}
    assert all(error["message"] for error in body["errors"])
    with in_org():
        assert Membership.objects.count() == before


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/staff", {"limit": "many"}, "limit"),
        ("/staff", {"is_active": "maybe"}, "is_active"),
        ("/staff/not-a-uuid", None, "membership_id"),
    ],
)
def test_invalid_query_and_path_parameters_are_422_problems_naming_them(api, path, params, field):
    body = assert_problem(api.get(path, params), 422)
    assert [e["field"] for e in body["errors"]] == [field]


def test_a_service_validation_error_is_a_422_problem_naming_the_field(api):
    body = assert_problem(api.patch("/organization", {"time_zone": "Mars/Olympus"}), 422)
    assert body["errors"] == [
        {"field": "time_zone", "message": "Not an IANA time zone (e.g. America/Chicago)."}
    ]


def test_a_body_that_is_not_json_is_a_400_problem(api):
    assert_problem(api.post("/staff", "{not json"), 400)


def test_a_conflict_is_a_409_problem(api, members):
    taken = {"email": members["cashier"].user.email, "role": "cashier"}
    body = assert_problem(api.post("/staff", taken), 409)
    assert body["field"] == "email"


def test_a_missing_permission_is_a_403_problem_naming_it(api_as):
    body = assert_problem(api_as("advisor").get("/staff"), 403)
    assert body["permission"] == "staff.view"


def test_no_credentials_is_a_401_problem_with_a_challenge(anon_api):
    response = anon_api.get("/me")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_is_a_401_problem_saying_so(members):
    response = ApiClient("fd_not-a-real-token").get("/me")
    body = assert_problem(response, 401)
    assert "invalid, revoked" in body["detail"]


def test_a_session_write_without_the_csrf_token_is_a_403_problem(members, in_org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(members["owner"].user)
    response = client.post(
        "/api/crm/tokens", {"name": "via session"}, content_type="application/json"
    )
    body = assert_problem(response, 403)
    assert "CSRF" in body["detail"]

    client.get("/api/crm/docs")  # any page that sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/crm/tokens",
        {"name": "via session"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201


def test_too_many_requests_is_a_429_problem_with_retry_after(api):
    with override_settings(API_RATE_LIMIT="2/m"):
        assert api.get("/me").status_code == 200
        assert api.get("/me").status_code == 200
        response = api.get("/me")
    body = assert_problem(response, 429)
    assert int(response["Retry-After"]) >= 1
    assert body["type"].endswith("/rate-limited")


def test_failed_writes_count_against_the_rate_limit(api):
    with override_settings(API_RATE_LIMIT="2/m"):
        assert api.post("/staff", {}).status_code == 422
        assert api.post("/staff", {}).status_code == 422
        assert_problem(api.post("/staff", {}), 429)


def test_the_rate_limit_is_per_credential(api, api_as):
    with override_settings(API_RATE_LIMIT="1/m"):
        assert api.get("/me").status_code == 200
        assert api.get("/me").status_code == 429
        assert api_as("advisor").get("/me").status_code == 200


def test_an_unexpected_error_is_a_500_problem_without_internals(api, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(selectors, "membership_list", broken)
    response = api.get("/staff", headers={"X-Request-ID": "trace-me-500"})
    body = assert_problem(response, 500)
    assert body["request_id"] == "trace-me-500"
    text = response.content.decode()
    assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text


def test_a_500_in_a_write_leaves_nothing_behind(api, monkeypatch, in_org):
    original = services.staff_add

    def add_then_fail(**kwargs):
        original(**kwargs)
        raise RuntimeError("after the write")

    monkeypatch.setattr(services, "staff_add", add_then_fail)
    assert_problem(api.post("/staff", {"email": "kim@alpha.example", "role": "sales"}), 500)
    with in_org():
        assert not Membership.objects.filter(user__email="kim@alpha.example").exists()


def test_an_error_outside_the_api_handlers_is_a_500_problem_too(members, monkeypatch):
    import frontdesk.organizations.middleware as tenancy  # noqa: PLC0415

    def broken(raw):
        raise RuntimeError("token store down")

    monkeypatch.setattr(tenancy, "actor_from_bearer", broken)
    client = ApiClient("fd_anything", client=Client(raise_request_exception=False))
    body = assert_problem(client.get("/me"), 500)
    assert "token store" not in body["detail"]


def test_the_request_id_is_echoed_in_the_header_and_the_problem(api):
    response = api.get(f"/staff/{uuid.uuid4()}", headers={"X-Request-ID": "client-id-1234"})
    assert response["X-Request-ID"] == "client-id-1234"
    assert response.json()["request_id"] == "client-id-1234"


@pytest.mark.parametrize("incoming", ["short", "has spaces in it", "x" * 65, "<script>1</script>"])
def test_an_unusable_request_id_is_replaced(api, incoming):
    response = api.get("/me", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_every_response_carries_a_request_id(api, anon_api):
    assert anon_api.get("/healthz")["X-Request-ID"]
    assert api.get("/me")["X-Request-ID"]


def test_a_domain_error_cannot_carry_an_extra_field_that_would_replace_a_standard_member():
    from frontdesk.core.errors import Conflict

    with pytest.raises(TypeError, match="status"):
        Conflict("taken", status="open")
    assert Conflict("taken", existing_id="x").extra == {"existing_id": "x"}


def test_extra_problem_members_never_replace_the_standard_ones():
    from frontdesk.core.problems import problem_body

    body = problem_body(409, detail="taken", type="spoofed", request_id="spoofed", matches=[1])
    assert body["status"] == 409 and body["type"].endswith("/conflict")
    assert body["request_id"] != "spoofed" and body["matches"] == [1]


def test_the_rate_limit_slides_across_periods_and_costs_the_same_at_any_rate(rf, monkeypatch):
    """Two counters per key: the last period's requests still count (taken as evenly
    spread, rounded up) after the boundary, and the wait offered lets exactly one more in."""
    from frontdesk.core.api import ActorRateThrottle

    caches["throttle"].clear()
    clock = {"now": 6_000_000.0}  # the start of a minute
    throttle = ActorRateThrottle(rate="10/m")
    monkeypatch.setattr(throttle, "timer", lambda: clock["now"])
    request = rf.get("/api/crm/me")
    request.actor = None  # counted per IP

    def allowed() -> bool:
        return throttle.allow_request(request)

    clock["now"] += 50  # ten requests late in the minute
    assert all(allowed() for _ in range(10))
    assert not allowed()
    clock["now"] += 11  # 1 s into the next minute: 10 × 59/60 carried, rounded up
    assert not allowed()
    wait = throttle.wait()
    assert 1 <= wait <= 60
    clock["now"] += wait - 0.5
    assert not allowed()
    clock["now"] += 0.5
    assert allowed()  # one more after exactly the wait offered
    assert not allowed()
    clock["now"] += 120  # two idle minutes: the whole limit again
    assert all(allowed() for _ in range(10))
    # one key per period, not a list of every request's time
    assert all(not isinstance(v, list) for v in caches["throttle"]._cache.values())
