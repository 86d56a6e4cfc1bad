"""NUL in the query string of the catalogue pages was a 500 on PostgreSQL (the text reached a query);
now the web's request guard answers the Chinese 400 page before any view runs."""

from __future__ import annotations

import pytest

from yiwang.services.tests.catalogue_support import *  # noqa: F403
from yiwang.services.tests.factories import ServiceItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def food(world):
    return ServiceItemFactory(organization=world.market, name="食品经营许可", keywords="开餐馆")


@pytest.mark.parametrize(
    "url",
    [
        "/services/?q=%E9%A4%90%00",
        "/services/?department=a%00b",
        "/services/search?q=%E9%A4%90%E9%A6%86%00",
        "/services/search?q=a%00b",
        "/services/search?theme=%00&q=%E9%A4%90",
    ],
)
def test_nul_in_a_catalogue_query_is_the_chinese_400_page(client, food, url):
    assert client.get("/services/search?q=%E9%A4%90%E9%A6%86").status_code == 200
    response = client.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert "请求中含有不允许的字符（NUL 控制字符或不成对的 UTF-16 代理码元），请删除后重试" in html
