"""Catalogue search: segmentation, synonyms, ranking on name > keywords > department, popularity as
tie-breaker, and freshness after a publish."""

from __future__ import annotations

from yiwang.identity.actor import Actor
from yiwang.services import search
from yiwang.services.actions.catalogue import item_publish, item_update
from yiwang.services.selectors.catalogue import items_published
from yiwang.services.tests.catalogue_support import *  # noqa: F403
from yiwang.services.tests.factories import ServiceItemFactory


def _names(q):
    return [item.name for item in items_published(q=q)]


def _item(world, name, **kwargs):
    kwargs.setdefault("keywords", "")
    kwargs.setdefault("themes", [])
    kwargs.setdefault("organization", world.health)
    return ServiceItemFactory(name=name, **kwargs)


def test_query_terms_use_jieba_stop_words_and_synonyms():
    terms = search.query_terms("我想开餐馆")
    assert terms["餐馆"] == 1.0 and terms["食品经营"] == search.SYNONYM_WEIGHT
    assert "我" not in terms and "想" not in terms
    assert set(search.query_terms("食品经营")) == {"食品", "经营"}
    assert search.query_terms("   ") == {}


def test_food_licence_is_found_by_its_name_and_everyday_words(world):
    food = _item(world, "食品经营许可", organization=world.market)
    _item(world, "出生医学证明签发")
    _item(world, "居民身份证换领")
    for q in ("食品经营", "开餐馆", "食品经营许可", "我想开个饭店", "餐馆"):
        assert _names(q)[:1] == [food.name], q
    assert _names("火箭发射") == []


def test_name_outranks_keywords_outranks_department(world):
    by_name = _item(world, "建设工程规划许可证核发")
    by_keyword = _item(world, "乡村建设许可", keywords="规划")
    by_department = _item(world, "某某备案", organization=world.market)
    world.market.name = "示范市规划和自然资源局"
    world.market.save()
    search.invalidate_search_index()
    assert _names("规划")[:3] == [by_name.name, by_keyword.name, by_department.name]


def test_popularity_breaks_ties_and_whole_name_matches_win(world):
    _item(world, "个体工商户设立登记", popularity=10)
    popular = _item(world, "个体工商户变更登记", popularity=5000)
    assert _names("个体工商户")[0] == popular.name
    assert _names("个体工商户设立登记")[0] == "个体工商户设立登记"


def test_filters_combine_with_search(world):
    _item(world, "食品经营许可", organization=world.market)
    _item(world, "食品生产许可", organization=world.health)
    assert [i.name for i in items_published(q="食品", department="scjg")] == ["食品经营许可"]


def test_a_publish_is_seen_at_once(world):
    food = _item(world, "食品经营许可", organization=world.market)
    assert _names("食品经营") == ["食品经营许可"]
    actor = Actor.for_user(world.catalog_admin)
    item_publish(actor=actor, item=item_update(actor=actor, item=food, name="食品销售经营许可"))
    assert _names("食品销售") == ["食品销售经营许可"]


def test_the_index_is_reused_until_the_catalogue_changes(world, django_assert_num_queries):
    _item(world, "食品经营许可")
    search.search("食品")  # builds
    with django_assert_num_queries(1):  # only the freshness stamp
        assert len(search.search("食品")) == 1


def test_opening_a_restaurant_finds_the_licence_and_the_registrations_without_padding(world):
    food = _item(world, "食品经营许可", organization=world.market, popularity=900)
    for name in ("危险化学品经营许可", "兽药经营许可", "劳务派遣经营许可", "食品生产许可"):
        _item(world, name, popularity=50)
    sole_trader = _item(world, "个体工商户设立登记", keywords="个体户 开店 营业执照", popularity=60)
    company = _item(world, "有限责任公司设立登记", keywords="开办企业 注册公司", popularity=150)
    _item(world, "出生医学证明签发")
    expected = [food.name, sole_trader.name, company.name]  # the intent's order, whatever the popularity
    for q in ("开餐馆", "我想开个饭店", "开一家饭馆", "开小吃店"):
        assert _names(q) == expected, q
    assert _names("开店") == [sole_trader.name, company.name]
    # a query of several terms: an item sharing one weak term (经营) does not pad a strong match
    assert _names("食品经营") == [food.name]
    # a query of one term keeps every match, however weak
    assert len(_names("经营")) == 4


def test_the_cut_off_is_relative_to_the_best_match(world):
    strong = _item(world, "食品经营许可")
    weak = _item(world, "兽药经营许可")
    ranked = dict(search.search("食品经营"))
    assert strong.pk in ranked and weak.pk not in ranked
    assert search.RELATIVE_CUTOFF * ranked[strong.pk] > search.score(
        next(i for i in search.search_index().items if i.id == weak.pk),
        search.query_terms("食品经营"),
        "食品经营",
    )
    strong.delete()
    search.invalidate_search_index()
    assert _names("食品经营") == [weak.name]  # without a strong match the weak one is the best there is


def test_ban_zheng_lists_the_certificate_theme(world):
    _item(world, "居民身份证换领", themes=["certificates"], popularity=470)
    _item(world, "普通护照签发", themes=["certificates", "transport"], popularity=20)
    _item(world, "居住证申领", themes=["household", "certificates"], popularity=1)
    _item(world, "出生登记", themes=["birth", "household"], popularity=300)
    for q in ("办证", "我要办证", "证件"):
        assert _names(q) == ["居民身份证换领", "普通护照签发", "居住证申领"], q


def test_query_intent_reads_everyday_phrases():
    assert search.query_intent("我想开一家餐馆").items == (
        "食品经营许可",
        "个体工商户设立登记",
        "公司设立登记",
    )
    assert search.query_intent("办证").themes == {"certificates"}
    assert search.query_intent("身份证") == search.Intent()


def test_the_search_page_links_its_examples(client, world):
    _item(world, "个体工商户设立登记", organization=world.market)
    html = client.get("/services/search", {"q": "开餐馆"}).content.decode()
    assert "个体工商户设立登记</strong>" in html
    empty = client.get("/services/search", {"q": "火箭发射"}).content.decode()
    assert "没有找到相关事项" in empty
    assert '<a href="/services/search?q=%E5%BC%80%E9%A4%90%E9%A6%86">「开餐馆」</a>' in empty
    assert '<a href="/services/search?q=%E8%BA%AB%E4%BB%BD%E8%AF%81">「身份证」</a>' in empty
    assert '<a href="/services/">按部门、主题浏览</a>' in empty
    start = client.get("/services/search").content.decode()
    assert '<a href="/services/search?q=%E9%80%80%E4%BC%91">「退休」</a>' in start
