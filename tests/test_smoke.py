def test_it_answers_me_with_the_token_owner(api, org):
    response = api.get("/me")
    assert response.status_code == 200
    body = response.json()
    assert body["organization"]["slug"] == org.slug
    assert body["role"] == "owner"


def test_it_answers_401_problem_without_credentials(anon_api):
    response = anon_api.get("/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
