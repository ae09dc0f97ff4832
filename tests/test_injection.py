"""SQL metacharacters and markup in searches, filters and text fields are harmless."""
import pytest

from tests.competitions.helpers import open_competition

NASTY = ["' OR 1=1 --", "\"; DROP TABLE users; --", "<script>alert(1)</script>", "%' UNION SELECT 1 --", "\\x00"]


@pytest.mark.parametrize("value", NASTY)
def test_filters_take_metacharacters(client, auth, make_user, value):
    investor = make_user("investor")
    auth.login(investor)
    for url in (f"/competitions?status={value}", f"/competitions?instrument={value}",
                f"/matching/feed?region={value}&priority={value}&trl_min={value}",
                f"/api/v1/competitions?status={value}"):
        response = client.get(url)
        assert response.status_code < 500, url
        assert b"<script>alert(1)</script>" not in response.data


def test_markup_in_titles_is_text_everywhere(client, auth, make_user, api):
    mnvo = make_user("mnvo")
    competition = open_competition(mnvo, title={"ru": "<img src=x onerror=alert(1)>"})
    auth.login(mnvo)
    for url in ("/competitions", f"/competitions/{competition.id}", f"/competitions/{competition.id}/manage"):
        page = client.get(url).get_data(as_text=True)
        assert "<img src=x onerror" not in page and "&lt;img src=x onerror" in page
    body = api.as_(mnvo).get(f"/api/v1/competitions/{competition.id}").get_data(as_text=True)
    assert "<img" in body  # JSON carries the text as given; it is escaped where it is rendered
