""" "Not a duplicate": a reviewer takes a pair out of the duplicates review, once, audited,
and can undo it."""

import uuid

from frontdesk.audit.models import AuditEntry
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import NotDuplicate
from frontdesk.customers.tests.factories import make_customer, system

PHONE = "+1 512 555 0142"
DISMISS = "/customers/duplicates/dismissals"


def twins(org):
    """Father and son sharing the home phone: a phone-duplicate pair."""
    father = make_customer(org, first_name="Luis", last_name="Ortega", phones=[{"number": PHONE}])
    son = make_customer(
        org, first_name="Luis", last_name="Ortega Jr", phones=[{"number": PHONE}],
        allow_duplicate=True,
    )  # fmt: skip
    return father, son


def pairs(api):
    return [{p["a"]["id"], p["b"]["id"]} for p in api.get("/customers/duplicates").json()["items"]]


def decisions(org):
    with tenant_scope(org):
        return NotDuplicate.objects.count()


def test_a_dismissed_pair_leaves_the_review_and_asking_again_changes_nothing(api, org, in_org):
    father, son = twins(org)
    assert pairs(api) == [{str(father.pk), str(son.pk)}]

    body = {"customer_id": str(son.pk), "other_id": str(father.pk), "note": "father and son"}
    first = api.post(DISMISS, body)
    again = api.post(DISMISS, body)

    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert {first.json()["customer_a"]["id"], first.json()["customer_b"]["id"]} == {
        str(father.pk), str(son.pk)
    }  # fmt: skip
    assert pairs(api) == []
    assert decisions(org) == 1
    with in_org():
        assert AuditEntry.objects.filter(object_id=first.json()["id"]).count() == 1
    assert api.get(DISMISS).json()["items"][0]["note"] == "father and son"


def test_undoing_a_dismissal_offers_the_pair_again(api, org):
    father, son = twins(org)
    decision = api.post(DISMISS, {"customer_id": str(father.pk), "other_id": str(son.pk)}).json()

    assert api.delete(f"{DISMISS}/{decision['id']}").status_code == 204
    assert pairs(api) == [{str(father.pk), str(son.pk)}]
    assert api.delete(f"{DISMISS}/{decision['id']}").status_code == 404


def test_a_customer_cannot_be_dismissed_against_itself(api, org):
    father, _ = twins(org)
    response = api.post(DISMISS, {"customer_id": str(father.pk), "other_id": str(father.pk)})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "other_id"
    assert decisions(org) == 0


def test_unknown_fields_and_overlong_notes_are_422(api, org):
    father, son = twins(org)
    ids = {"customer_id": str(father.pk), "other_id": str(son.pk)}
    assert api.post(DISMISS, {**ids, "reason": "x"}).status_code == 422
    assert api.post(DISMISS, {**ids, "note": "x" * 501}).status_code == 422
    assert decisions(org) == 0


def test_another_organizations_customer_or_decision_is_404(api, org, other_org, other_api):
    father, son = twins(org)
    stranger = make_customer(other_org, first_name="Ana", last_name="Elsewhere")
    response = api.post(DISMISS, {"customer_id": str(father.pk), "other_id": str(stranger.pk)})
    assert response.status_code == 404
    assert (
        api.post(DISMISS, {"customer_id": str(uuid.uuid4()), "other_id": str(son.pk)}).status_code
        == 404
    )
    decision = api.post(DISMISS, {"customer_id": str(father.pk), "other_id": str(son.pk)}).json()
    assert other_api.delete(f"{DISMISS}/{decision['id']}").status_code == 404
    assert other_api.get(DISMISS).json()["items"] == []
    assert decisions(org) == 1


def test_only_roles_that_merge_may_dismiss(api_as, org):
    father, son = twins(org)
    body = {"customer_id": str(father.pk), "other_id": str(son.pk)}
    assert api_as("advisor").post(DISMISS, body).status_code == 403
    assert api_as("advisor").get(DISMISS).status_code == 200  # reviewing is reading
    assert api_as("manager").post(DISMISS, body).status_code == 201
    assert decisions(org) == 1


def test_a_merged_customer_cannot_be_dismissed(api, org):
    from frontdesk.customers.merge import customer_merge

    father, son = twins(org)
    third = make_customer(org, first_name="Luis", last_name="Ortega III")
    with tenant_scope(org):
        customer_merge(org=org, actor=system(org), survivor=father, duplicate=third)
    response = api.post(DISMISS, {"customer_id": str(third.pk), "other_id": str(son.pk)})
    assert response.status_code == 409
    assert decisions(org) == 0


def test_without_credentials_the_dismissals_are_401_and_nothing_is_written(anon_api, org):
    father, son = twins(org)
    body = {"customer_id": str(father.pk), "other_id": str(son.pk)}
    assert anon_api.post(f"{DISMISS}", body).status_code == 401
    assert anon_api.get(f"{DISMISS}").status_code == 401
    assert anon_api.delete(f"{DISMISS}/{uuid.uuid4()}").status_code == 401
    assert decisions(org) == 0
