"""The 12345 派单目录 data (`hotline_catalog`) and the labelled demo corpus (`hotline_corpus`): every
rule names departments that the demo seeds, every leaf is routed city-wide, and the corpus is
deterministic, balanced within limits, noisy, and round-trips through its CSV."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from yiwang.demo.geography import DISTRICTS
from yiwang.demo.hotline_catalog import ASSIGNMENTS, CATEGORIES, AssignmentSpec, assignment_for, leaf_codes
from yiwang.demo.hotline_corpus import HEADER, TEXTS, LabelledText, generate_corpus, write_corpus_csv
from yiwang.demo.organizations import organization_specs

LEAVES = leaf_codes()


@pytest.fixture(scope="module")
def corpus() -> list[LabelledText]:
    return generate_corpus()


# -- the catalogue ------------------------------------------------------------------------------


def test_codes_are_unique_slugs_and_parents_come_first():
    codes = [category.code for category in CATEGORIES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z_]+(\.[a-z_]+){0,2}", code) for code in codes)
    seen: set[str] = set()
    for category in CATEGORIES:
        if category.parent is not None:
            assert category.parent in seen, category.code
            assert category.code.startswith(category.parent + ".")
        seen.add(category.code)


def test_catalogue_size_and_leaf_attributes():
    top = [category for category in CATEGORIES if category.parent is None]
    assert len(top) >= 10
    assert len(LEAVES) >= 45
    by_code = {category.code: category for category in CATEGORIES}
    assert all(by_code[code].keywords and by_code[code].description for code in LEAVES)
    assert {category.complexity for category in CATEGORIES} == {"general", "complex"}
    complex_leaves = sorted(code for code in LEAVES if by_code[code].complexity == "complex")
    assert "urban_construction.demolition_resettlement" in complex_leaves
    assert "housing.property_certificate" in complex_leaves


def test_every_department_in_the_rules_is_seeded_by_the_demo():
    seeded = {spec.code for spec in organization_specs()}
    named = {code for rule in ASSIGNMENTS for code in (rule.lead, *rule.assists)}
    assert named - seeded == set()
    assert all(rule.lead not in rule.assists for rule in ASSIGNMENTS)


def test_every_leaf_has_one_city_rule_and_district_rules_only_for_districts():
    assert {rule.category for rule in ASSIGNMENTS} == set(LEAVES)
    keys = Counter((rule.category, rule.region) for rule in ASSIGNMENTS)
    assert [key for key, count in keys.items() if count > 1] == []
    assert {code for code in LEAVES if (code, None) not in keys} == set()
    assert {rule.region for rule in ASSIGNMENTS} == {None, *DISTRICTS}
    # A leaf routed per district is routed in every district.
    for code in {rule.category for rule in ASSIGNMENTS if rule.region is not None}:
        assert {rule.region for rule in ASSIGNMENTS if rule.category == code} == {None, *DISTRICTS}


def test_street_matters_go_to_the_district_and_others_to_the_city():
    assert assignment_for("ecology.noise.construction", "329902") == AssignmentSpec(
        "ecology.noise.construction", "329902", "d02-urban", ("city-eco",)
    )
    # A community code resolves through its district.
    assert assignment_for("city_appearance.street_vending", "329904002001").lead == "d04-urban"
    assert assignment_for("market.food_safety", "329903001").lead == "d03-amr"
    assert assignment_for("housing.property_management", "329905") == AssignmentSpec(
        "housing.property_management", "329905", "city-housing", ("d05-s001",)
    )
    assert assignment_for("labour.wage_arrears", "329902001") == AssignmentSpec(
        "labour.wage_arrears", None, "city-hrss"
    )
    assert assignment_for("city_appearance.street_vending", None).lead == "city-urban"
    with pytest.raises(KeyError):
        assignment_for("labour", None)  # not a leaf


# -- the corpus ---------------------------------------------------------------------------------


def test_every_leaf_has_its_own_stock_of_phrasings():
    assert list(TEXTS) == LEAVES
    for code, texts in TEXTS.items():
        assert len(set(texts.situations)) == len(texts.situations) >= 15, code
        assert len(texts.short) >= 5 and len(texts.asks) >= 3, code


def test_corpus_size_labels_and_balance(corpus):
    assert len(corpus) == 6000
    counts = Counter(row.category for row in corpus)
    assert set(counts) == set(LEAVES)
    assert min(counts.values()) >= 60
    assert 3 <= max(counts.values()) / min(counts.values()) <= 4
    assert counts["labour.wage_arrears"] > counts["labour.pension"]


def test_corpus_is_deterministic():
    assert generate_corpus(400, seed=7) == generate_corpus(400, seed=7)
    assert generate_corpus(400, seed=7) != generate_corpus(400, seed=8)
    assert len(generate_corpus(400, seed=7)) == 400


def test_texts_are_filled_in_and_rarely_repeat(corpus):
    texts = [row.text for row in corpus]
    assert len(texts) - len(set(texts)) < 0.02 * len(texts)
    assert [text for text in texts if re.search(r"[{}\n]", text) or not text.strip()] == []


def test_texts_are_as_messy_as_real_ones(corpus):
    texts = [row.text for row in corpus]
    lengths = [len(text) for text in texts]
    assert sum(length > 120 for length in lengths) > 100
    assert sum(length < 12 for length in lengths) > 100
    operator = sum(text.startswith(("市民", "来电", "群众", "网友")) for text in texts)
    assert 0.15 * len(texts) < operator < 0.35 * len(texts)
    assert sum(not re.search(r"[，。,.！!？?]", text) and len(text) > 30 for text in texts) > 100
    assert sum(bool(re.search(r"1[3-9]\d[\d*]{8}|1[3-9]\d \d{4} \d{4}", text)) for text in texts) > 100
    assert sum("以经" in text or "反应" in text or "再家" in text for text in texts) > 10
    assert sum(bool(re.search("啥|咋|俺", text)) for text in texts) > 50
    # Places come from the demo's geography.
    districts = [name for name, _streets in DISTRICTS.values()]
    assert sum(any(name in text for name in districts) for text in texts) > 0.1 * len(texts)


def test_csv_round_trip(tmp_path, corpus):
    rows = corpus[:300]
    path = write_corpus_csv(tmp_path / "out" / "corpus.csv", rows)
    with path.open(encoding="utf-8", newline="") as stream:
        read = list(csv.reader(stream))
    assert tuple(read[0]) == HEADER == ("内容", "类别")
    assert [LabelledText(text, category) for text, category in read[1:]] == rows
    assert path.read_bytes().startswith("内容,类别".encode())
