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
