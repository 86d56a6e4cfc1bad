"""The process diagram (办理流程图): boxes, labels and edges never overlap, whatever the process
definition; the main path is one column; shared actions read once; the printed step list.

The services guide page that shows it is tested with the catalogue pages (services/tests)."""

from __future__ import annotations

import re
from itertools import combinations, pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.identity.actor import Actor
from yiwang.workflow.actions import DEFINITIONS_DIR, definitions_load
from yiwang.workflow.diagram import (
    Box,
    ProcessLayout,
    ProcessState,
    ProcessTransition,
    process_layout,
    process_steps,
    render_svg,
)
from yiwang.workflow.selectors import definitions_for

DEMO_DEFINITIONS = sorted(path.stem for path in DEFINITIONS_DIR.glob("*.json"))


def _published(code: str) -> tuple[list[ProcessState], list[ProcessTransition]]:
    """States and actions of a shipped definition, loaded and published as the demo does."""
    definitions_load(actor=Actor.system())
    definition = definitions_for(Actor.system(), status="published", code=code).first()
    assert definition is not None, code
    parsed = definition.parsed
    states = [ProcessState(s.code, s.name, s.type) for s in parsed.states.values()]
    transitions = [
        ProcessTransition(a.code, a.name, source, a.target)
        for a in parsed.actions.values()
        if a.target is not None
        for source in a.sources
    ]
    return states, transitions


def _problems(layout: ProcessLayout) -> list[str]:
    """Every overlap in the layout's geometry: label/label, label/state, state/state, and an edge
    segment through a state box or a label that is not one of its two ends."""
    problems = []
    states = {placed.state.code: placed.box for placed in layout.states}
    labels = [label.box for label in layout.labels]
    for (a, box_a), (b, box_b) in combinations(states.items(), 2):
        if box_a.overlaps(box_b):
            problems.append(f"state {a} overlaps state {b}")
    for (i, box_i), (j, box_j) in combinations(enumerate(labels), 2):
        if box_i.overlaps(box_j):
            problems.append(f"label {layout.labels[i].text} overlaps label {layout.labels[j].text}")
    for i, label_box in enumerate(labels):
        for code, state_box in states.items():
            if label_box.overlaps(state_box):
                problems.append(f"label {layout.labels[i].text} overlaps state {code}")
    for edge in layout.edges:
        name = layout.labels[edge.label].text
        for a, b in pairwise(edge.points):
            assert a[0] == b[0] or a[1] == b[1], f"{name}: segment {a}–{b} is not orthogonal"
            for code, state_box in states.items():
                if code not in edge.states and state_box.crossed_by(a, b):
                    problems.append(f"edge {name} passes through state {code}")
            for i, label_box in enumerate(labels):
                if i != edge.label and label_box.crossed_by(a, b):
                    problems.append(f"edge {name} passes through label {layout.labels[i].text}")
    frame = Box(0, 0, layout.width, layout.height)
    for box in [*states.values(), *labels]:
        if not (
            box.x >= frame.x and box.y >= frame.y and box.right <= frame.right and box.bottom <= frame.bottom
        ):
            problems.append(f"{box} outside the drawing")
    return problems


def _every_transition_drawn(layout: ProcessLayout, transitions: list[ProcessTransition]) -> None:
    for t in transitions:
        if t.source == t.target:
            continue
        assert any(
            label.text == t.name and label.target == t.target and t.source in label.sources
            for label in layout.labels
        ), t


def _action_texts(svg: str) -> list[str]:
    return re.findall(
        r'<g class="action"><rect [^>]*fill="#ffffff"[^>]*/><text [^>]*>([^<]*)</text></g>', svg
    )


def test_box_geometry_helpers():
    box = Box(10, 10, 20, 10)
    assert box.crossed_by((0, 15), (40, 15))  # straight through
    assert box.crossed_by((20, 0), (20, 12))  # into it
    assert not box.crossed_by((0, 10), (40, 10))  # along its top edge
    assert not box.crossed_by((20, 0), (20, 10))  # ending on its edge (an arrow into the box)
    assert not box.crossed_by((0, 0), (40, 0))
    assert box.overlaps(Box(25, 15, 10, 10))
    assert not box.overlaps(Box(30, 10, 10, 10))  # side by side


@pytest.mark.parametrize("code", DEMO_DEFINITIONS)
def test_the_demo_processes_are_drawn_without_overlaps(db, code):
    states, transitions = _published(code)
    assert states and transitions
    layout = process_layout(states, transitions)
    assert _problems(layout) == []
    _every_transition_drawn(layout, transitions)
    # every label is drawn once in the SVG, on a white box of its own
    assert _action_texts(str(render_svg(layout))) == [label.text for label in layout.labels]


def test_the_licensing_process_reads_top_down_with_side_outcomes_beside_the_main_path(db):
    layout = process_layout(*_published("yiwang_tongban"))
    assert layout.main_path == ("submitted", "reviewing", "deciding", "approved", "completed")
    columns = {layout.state(code).box.centre[0] for code in layout.main_path}
    assert len(columns) == 1  # one straight column
    column = columns.pop()
    tops = [layout.state(code).box.y for code in layout.main_path]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)  # in process order, top to bottom
    for side in ("refused", "withdrawn", "correction", "review_correction", "denied"):
        box = layout.state(side).box
        assert not (box.x <= column <= box.right), side  # off the main line
    # an action several states share reads once: 撤回申请 (待受理, 两种待补正), 办结送达 (准予/不予许可)
    texts = [label.text for label in layout.labels]
    assert texts.count("撤回申请") == 1 and texts.count("办结送达") == 1
    withdraw = next(label for label in layout.labels if label.text == "撤回申请")
    assert set(withdraw.sources) == {"submitted", "correction", "review_correction"}
    # 提交补正材料 leads back up: dashed, arrow into 待受理 from below
    resubmit = next(label for label in layout.labels if label.text == "提交补正材料")
    assert resubmit.is_back
    into_submitted = next(e for e in layout.edges if e.label == layout.labels.index(resubmit) and e.arrow)
    assert (
        into_submitted.style == "back"
        and into_submitted.points[-1][1] == layout.state("submitted").box.bottom
    )


def test_the_printed_step_list_follows_the_process_and_names_each_action_once(db):
    steps = process_steps(process_layout(*_published("yiwang_tongban")))
    assert [(s.states, s.actions) for s in steps] == [
        ("待受理", ("受理 → 审查中", "不予受理 → 不予受理", "一次性告知补正 → 待补正")),
        ("审查中", ("审查通过 → 待决定", "审查退回补正 → 待补正（审查退回）")),
        ("待补正", ("提交补正材料 → 待受理",)),
        ("待决定", ("准予许可 → 准予许可（待办结）", "不予许可 → 不予许可（待办结）")),
        # a 补正 asked for at the review goes back to the reviewer, not to 待受理
        ("待补正（审查退回）", ("提交补正材料（回到审查） → 审查中",)),
        ("待受理、待补正、待补正（审查退回）", ("撤回申请 → 已撤回",)),
        ("准予许可（待办结）、不予许可（待办结）", ("办结送达 → 已办结",)),
    ]


def test_an_empty_process_draws_nothing():
    assert str(render_svg(process_layout([], []))) == ""
    assert process_steps(process_layout([], [])) == []


NAMES = ["受理", "退回", "一次性告知补正", "审查通过", "超期未回访自动归档", "撤回申请", "办结"]


@st.composite
def processes(draw: st.DrawFn) -> tuple[list[ProcessState], list[ProcessTransition]]:
    count = draw(st.integers(2, 9))
    kinds = ["start"] + [draw(st.sampled_from(["normal", "normal", "terminal"])) for _ in range(count - 1)]
    states = [
        ProcessState(
            f"s{i}", draw(st.sampled_from(["待受理", "审查中", "准予许可（待办结）", "已办结", "办"])), kind
        )
        for i, kind in enumerate(kinds)
    ]
    transitions = []
    for code in range(draw(st.integers(1, 14))):
        target = draw(st.integers(0, count - 1))
        sources = draw(st.sets(st.integers(0, count - 1), min_size=1, max_size=3))
        name = draw(st.sampled_from(NAMES))
        transitions += [ProcessTransition(f"a{code}", name, f"s{s}", f"s{target}") for s in sorted(sources)]
    return states, transitions


@settings(max_examples=150, deadline=None)
@given(process=processes())
def test_any_process_is_drawn_without_overlaps(process):
    states, transitions = process
    layout = process_layout(states, transitions)
    assert _problems(layout) == []
    _every_transition_drawn(layout, transitions)
    assert {placed.state.code for placed in layout.states} == {s.code for s in states}
    steps = process_steps(layout)
    listed = [action for step in steps for action in step.actions]
    assert len(listed) == len(layout.labels) - sum(  # every action once (those of final states aside)
        1
        for label in layout.labels
        if all(layout.state(source).state.kind == "terminal" for source in label.sources)
    )
