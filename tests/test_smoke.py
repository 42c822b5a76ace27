from tests.conftest import login
from tests.factories import UserFactory


def test_home_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Have a real say" in response.get_data(as_text=True)


def test_login(client):
    user = UserFactory()
    login(client, user)
    assert user.display_name in client.get("/").get_data(as_text=True)
