"""A process definition's diagram (办理流程图): a layered layout of its states and actions, drawn as SVG.

Engine functionality, free of any domain: a domain app (the services guide, and later the 12345
hotline, city events, documents) turns a definition into `ProcessState`s and `ProcessTransition`s
and draws them here.

`process_layout(states, transitions)` places every state as a box and every action as a label, top
to bottom in process order, with the main path (the longest path from the start state to a terminal
state) in one straight column and the other outcomes (不予受理, 已撤回, 待补正 …) beside it. The
layout is Sugiyama's method, small enough to write here for definitions of a dozen states:

1. Edges that lead back (found by a depth-first walk from the start state in the definition's order:
   提交补正材料 → 待受理) are turned around for the layering and drawn dashed, arrow pointing up.
2. Each action becomes a label node between its source and its target, so labels take room like
   boxes and can overlap neither a box nor another label. An action that several states lead to
   the same target through (办结送达 from 准予许可 and 不予许可, 撤回申请 from 待受理 and 待补正) gets
   one label that all its sources join: it reads once.
3. Layers by longest path from the top; an edge spanning several layers passes through thin dummy
   nodes, which keep a lane free for it through the boxes of the layers it crosses.
4. Order within layers by barycentre sweeps (the order with fewest crossings is kept); x positions
   by least squares towards the neighbours' mean under the order and spacing constraints (pool
   adjacent violators), the main path pinned to one column.
5. Edges run vertically inside a layer's band, at their own node's x, and cross between bands,
   where there are no boxes: no edge passes through a box or a label other than its ends.

Why not a library: grandalf (pure Python, Sugiyama) was considered; its code last changed in 2020,
it has no type hints, and it places neither edge labels nor a pinned main path, which are most of
the work here. Graphviz needs a system binary, which the demo must not.

The SVG uses presentation attributes only (the CSP forbids inline style). Text widths are
estimated (CJK characters 1 em, others 0.6 em)."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import pairwise

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

STATE_FONT, STATE_HEIGHT, STATE_PADDING, STATE_MIN_WIDTH = 14.0, 40.0, 14.0, 84.0
LABEL_FONT, LABEL_HEIGHT, LABEL_PADDING = 12.0, 22.0, 6.0
DUMMY_WIDTH = 10.0
NODE_GAP = 16.0  # horizontal space between two nodes of a layer
LAYER_GAP = 26.0  # vertical space between two layers, where edges cross
MARGIN = 12.0
PORT_SPACING = 14.0  # between edges leaving or entering the same side of a state box
TRACK_SPACING = 9.0  # between the horizontal runs of two edges crossing the same gap
TRACK_CLEARANCE = 8.0  # horizontal runs closer than this on one track would read as one line
CORNER_RADIUS = 6.0

Point = tuple[float, float]


@dataclass(frozen=True)
class ProcessState:
    code: str
    name: str
    kind: str  # start / normal / terminal


@dataclass(frozen=True)
class ProcessTransition:
    code: str
    name: str
    source: str
    target: str


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def centre(self) -> Point:
        return (self.x + self.width / 2, self.y + self.height / 2)

    def overlaps(self, other: Box) -> bool:
        """True when the two boxes share interior (touching edges do not count)."""
        return (
            self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom
        )

    def crossed_by(self, a: Point, b: Point) -> bool:
        """True when the segment a–b passes through the box's interior (Liang–Barsky clipping)."""
        (x1, y1), (x2, y2) = a, b
        dx, dy = x2 - x1, y2 - y1
        low, high = 0.0, 1.0
        for p, q in (
            (-dx, x1 - self.x),
            (dx, self.right - x1),
            (-dy, y1 - self.y),
            (dy, self.bottom - y1),
        ):
            if p == 0:
                if q <= 0:  # parallel to this side and outside (or on) it
                    return False
                continue
            t = q / p
            if p < 0:
                low = max(low, t)
            else:
                high = min(high, t)
            if low >= high:
                return False
        return True


@dataclass(frozen=True)
class PlacedState:
    state: ProcessState
    box: Box
    layer: int
    on_main_path: bool


@dataclass(frozen=True)
class PlacedLabel:
    action: str  # the action's code
    text: str
    box: Box
    sources: tuple[str, ...]  # state codes
    target: str
    is_back: bool  # leads back to an earlier state (drawn dashed)
    on_main_path: bool


@dataclass(frozen=True)
class EdgePiece:
    """A polyline between a state and a label (or a label and a state): vertical inside the layers'
    bands, straight or curved across the gaps between them. `states` are the codes of the states
    it touches (one), `label` the index of the label it touches."""

    points: tuple[Point, ...]
    states: tuple[str, ...]
    label: int
    arrow: bool  # arrowhead at the last point
    style: str  # main / side / back


@dataclass(frozen=True)
class ProcessStep:
    """A line of the printed step list: a state (or the states that share an action, 、-joined) and
    the actions that leave it."""

    states: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class ProcessLayout:
    width: float
    height: float
    states: tuple[PlacedState, ...] = ()
    labels: tuple[PlacedLabel, ...] = ()
    edges: tuple[EdgePiece, ...] = ()
    main_path: tuple[str, ...] = ()  # state codes

    def state(self, code: str) -> PlacedState:
        return next(s for s in self.states if s.state.code == code)


# -- layout -----------------------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    return sum(size if unicodedata.east_asian_width(ch) in ("W", "F") else size * 0.6 for ch in text)


@dataclass
class _Node:
    key: str
    kind: str  # state / label / dummy
    width: float
    height: float
    layer: int = 0
    x: float = 0.0
    pinned: bool = False


@dataclass
class _Group:
    """One label: an action (and target) with the sources that share it."""

    action: ProcessTransition
    sources: list[str] = field(default_factory=list)
    is_back: bool = False


def _back_edges(states: Sequence[ProcessState], edges: Sequence[ProcessTransition], start: str) -> set[int]:
    out: dict[str, list[int]] = defaultdict(list)
    for i, edge in enumerate(edges):
        out[edge.source].append(i)
    status: dict[str, int] = {}  # 1 on the walk's stack, 2 done
    back: set[int] = set()

    def visit(code: str) -> None:
        status[code] = 1
        for i in out[code]:
            target = edges[i].target
            if status.get(target) == 1:
                back.add(i)
            elif target not in status:
                visit(target)
        status[code] = 2

    visit(start)
    for state in states:
        if state.code not in status:
            visit(state.code)
    return back


def _main_path(
    states: Sequence[ProcessState], edges: Sequence[ProcessTransition], back: set[int], start: str
) -> list[str]:
    """The longest forward path from the start state, preferring one that ends in a terminal state;
    ties go to the action defined first."""
    terminal = {s.code for s in states if s.kind == "terminal"}
    forward: dict[str, list[str]] = defaultdict(list)
    for i, edge in enumerate(edges):
        if i not in back and edge.target not in forward[edge.source]:
            forward[edge.source].append(edge.target)
    best: dict[str, tuple[tuple[bool, int], list[str]]] = {}

    def longest(code: str) -> tuple[tuple[bool, int], list[str]]:
        if code not in best:
            result: tuple[tuple[bool, int], list[str]] = ((code in terminal, 0), [code])
            if code not in terminal:
                for target in forward[code]:
                    (ends, length), path = longest(target)
                    if (ends, length + 1) > result[0]:
                        result = ((ends, length + 1), [code, *path])
            best[code] = result
        return best[code]

    return longest(start)[1]


def _pool_adjacent_violators(targets: list[float], weights: list[float]) -> list[float]:
    """The non-decreasing sequence closest to `targets` in weighted least squares."""
    blocks: list[tuple[float, float, int]] = []  # value, weight, count
    for target, weight in zip(targets, weights, strict=True):
        blocks.append((target, weight, 1))
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            blocks.append(((v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2))
    return [value for value, _, count in blocks for _ in range(count)]


def _assign_tracks(
    steps: list[tuple[tuple[str, str], float, float]], track: dict[tuple[str, str], int]
) -> int:
    """Give each step of one gap that moves sideways (x_top ≠ x_bottom) a track, 0 being the highest:
    steps whose horizontal runs overlap get different tracks, the one above the other in the order
    that crosses fewer of the other's vertical runs. Returns the number of tracks used."""
    sideways = [(key, a, b) for key, a, b in steps if abs(a - b) > 0.01]
    lower: list[set[int]] = [set() for _ in sideways]  # i's track is above every track in lower[i]

    def inside(x: float, low: float, high: float) -> bool:
        return low + 0.5 < x < high - 0.5

    def reaches(i: int, j: int) -> bool:
        stack, seen = [i], {i}
        while stack:
            for k in lower[stack.pop()]:
                if k == j:
                    return True
                if k not in seen:
                    seen.add(k)
                    stack.append(k)
        return False

    for i, (_, top_i, bottom_i) in enumerate(sideways):
        low_i, high_i = sorted((top_i, bottom_i))
        for j in range(i + 1, len(sideways)):
            _, top_j, bottom_j = sideways[j]
            low_j, high_j = sorted((top_j, bottom_j))
            if abs(bottom_i - bottom_j) < 0.5 and (high_i <= low_j + 0.5 or high_j <= low_i + 0.5):
                continue  # they meet where they both go down (into one label): a join, not a clash
            if high_i + TRACK_CLEARANCE <= low_j or high_j + TRACK_CLEARANCE <= low_i:
                continue
            i_first = inside(top_j, low_i, high_i) + inside(bottom_i, low_j, high_j)
            j_first = inside(top_i, low_j, high_j) + inside(bottom_j, low_i, high_i)
            upper, under = (i, j) if i_first <= j_first else (j, i)
            if reaches(under, upper):
                upper, under = under, upper
            lower[upper].add(under)
    level = [0] * len(sideways)
    changed = True
    while changed:  # longest path in the (acyclic) above/below graph
        changed = False
        for i, unders in enumerate(lower):
            for j in unders:
                if level[j] < level[i] + 1:
                    level[j], changed = level[i] + 1, True
    for (key, _, _), value in zip(sideways, level, strict=True):
        track[key] = value
    return max(level) + 1 if level else 0


def _simplified(points: list[Point]) -> list[Point]:
    """Without repeated points and without middle points of straight runs."""
    result: list[Point] = []
    for point in points:
        if result and abs(result[-1][0] - point[0]) < 0.01 and abs(result[-1][1] - point[1]) < 0.01:
            continue
        if len(result) >= 2:
            (x0, y0), (x1, y1) = result[-2], result[-1]
            if (abs(x0 - x1) < 0.01 and abs(x1 - point[0]) < 0.01) or (
                abs(y0 - y1) < 0.01 and abs(y1 - point[1]) < 0.01
            ):
                result[-1] = point
                continue
        result.append(point)
    return result


def _barycentre(
    current: dict[str, int], neighbours: dict[str, list[str]], reference: dict[str, int], key: str
) -> float:
    """Mean position of a node's neighbours in the reference layer (its own position without any)."""
    linked = [reference[n] for n in neighbours[key] if n in reference]
    return sum(linked) / len(linked) if linked else float(current[key])


def _crossings(layers: list[list[str]], down: dict[str, list[str]]) -> int:
    total = 0
    for upper, lower in pairwise(layers):
        position = {key: i for i, key in enumerate(lower)}
        pairs = [(i, position[v]) for i, u in enumerate(upper) for v in down[u] if v in position]
        total += sum(1 for a in pairs for b in pairs if a[0] < b[0] and a[1] > b[1])
    return total


@dataclass
class _Graph:
    """The layering graph: nodes (states, labels, dummies), chains of nodes standing for one edge of
    the layering (upper → lower, through dummies), layers in their final order."""

    nodes: dict[str, _Node]
    start: str
    chains: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    below: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    above: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    layers: list[list[str]] = field(default_factory=list)

    def separation(self, left: str, right: str) -> float:
        """Least distance between the centres of two neighbours in a layer."""
        a, b = self.nodes[left], self.nodes[right]
        gap = NODE_GAP / 2 if a.kind == b.kind == "dummy" else NODE_GAP
        return (a.width + b.width) / 2 + gap


def _groups(edges: Sequence[ProcessTransition], back: set[int]) -> list[_Group]:
    groups: list[_Group] = []
    shared: dict[tuple[str, str], _Group] = {}
    for i, edge in enumerate(edges):
        if i in back:
            groups.append(_Group(action=edge, sources=[edge.source], is_back=True))
            continue
        key = (edge.code, edge.target)
        if key not in shared:
            shared[key] = _Group(action=edge)
            groups.append(shared[key])
        shared[key].sources.append(edge.source)
    return groups


def _layered(graph: _Graph, dag: list[tuple[str, str]]) -> None:
    """Layers by longest path from the top (Kahn's order); dummies on edges spanning several layers;
    initial order in each layer by depth-first discovery from the start state."""
    nodes = graph.nodes
    down: dict[str, list[str]] = defaultdict(list)
    indegree: dict[str, int] = dict.fromkeys(nodes, 0)
    for u, v in dag:
        down[u].append(v)
        indegree[v] += 1
    ready = sorted((key for key in nodes if indegree[key] == 0), key=lambda key: key != graph.start)
    topological: list[str] = []
    while ready:
        key = ready.pop(0)
        topological.append(key)
        for v in down[key]:
            nodes[v].layer = max(nodes[v].layer, nodes[key].layer + 1)
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(v)
    for u, v in dag:
        chain = [u]
        for layer in range(nodes[u].layer + 1, nodes[v].layer):
            dummy = f"d:{len(nodes)}"
            pinned = nodes[u].pinned and nodes[v].pinned
            nodes[dummy] = _Node(dummy, "dummy", DUMMY_WIDTH, 0, layer=layer, pinned=pinned)
            chain.append(dummy)
        graph.chains[(u, v)] = [*chain, v]
        for a, b in pairwise(graph.chains[(u, v)]):
            graph.below[a].append(b)
            graph.above[b].append(a)
    seen: dict[str, None] = {}
    stack = list(reversed(topological))
    while stack:
        key = stack.pop()
        if key not in seen:
            seen[key] = None
            stack.extend(reversed(graph.below[key]))
    graph.layers = [[] for _ in range(max(node.layer for node in nodes.values()) + 1)]
    for key in seen:
        graph.layers[nodes[key].layer].append(key)


def _ordered(graph: _Graph) -> None:
    """Barycentre sweeps down and up; the order with the fewest crossings is kept."""
    layers = graph.layers
    best, fewest = [list(layer) for layer in layers], _crossings(layers, graph.below)
    for _ in range(6):
        for downwards in (True, False):
            indices = range(1, len(layers)) if downwards else range(len(layers) - 2, -1, -1)
            for index in indices:
                neighbours = graph.above if downwards else graph.below
                reference = {key: i for i, key in enumerate(layers[index - 1 if downwards else index + 1])}
                current = {key: i for i, key in enumerate(layers[index])}
                layers[index].sort(key=partial(_barycentre, current, neighbours, reference))
            count = _crossings(layers, graph.below)
            if count < fewest:
                best, fewest = [list(layer) for layer in layers], count
    graph.layers = best


def _placed(graph: _Graph) -> None:
    """x of every node: least squares towards the mean of its neighbours under the layer's order and
    spacing (pool adjacent violators, a few sweeps), the main path pinned to x = 0; then long edges'
    lanes straightened where there is room; then shifted to start at the margin."""
    nodes = graph.nodes
    for layer in graph.layers:
        offset = 0.0
        for key in layer:
            nodes[key].x = offset + nodes[key].width / 2
            offset += nodes[key].width + NODE_GAP
    for _ in range(40):
        for layer in graph.layers:
            offsets = [0.0]
            for left, right in pairwise(layer):
                offsets.append(offsets[-1] + graph.separation(left, right))
            targets, weights = [], []
            for key, offset in zip(layer, offsets, strict=True):
                node = nodes[key]
                linked = [  # a long edge's dummies pull hard on each other: its lane stays straight
                    (nodes[n].x, 8.0 if node.kind == nodes[n].kind == "dummy" else 1.0)
                    for n in graph.above[key] + graph.below[key]
                ]
                if node.pinned:
                    target, weight = 0.0, 1000.0
                elif linked:
                    total = sum(w for _, w in linked)
                    target, weight = sum(x * w for x, w in linked) / total, 1.0
                else:
                    target, weight = node.x, 0.1
                targets.append(target - offset)
                weights.append(weight)
            fitted = _pool_adjacent_violators(targets, weights)
            for key, value, offset in zip(layer, fitted, offsets, strict=True):
                nodes[key].x = value + offset
    slot = {key: (index, i) for index, layer in enumerate(graph.layers) for i, key in enumerate(layer)}

    def fits(key: str, x: float) -> bool:
        index, i = slot[key]
        layer = graph.layers[index]
        return (i == 0 or x - nodes[layer[i - 1]].x >= graph.separation(layer[i - 1], key)) and (
            i + 1 == len(layer) or nodes[layer[i + 1]].x - x >= graph.separation(key, layer[i + 1])
        )

    for chain in graph.chains.values():
        dummies = chain[1:-1]
        if len(dummies) > 1:
            xs = sorted(nodes[d].x for d in dummies)
            for lane in (xs[len(xs) // 2], xs[-1], xs[0]):
                if all(fits(d, lane) for d in dummies):
                    for d in dummies:
                        nodes[d].x = lane
                    break
    leftmost = min(node.x - node.width / 2 for node in nodes.values())
    for node in nodes.values():  # on half pixels: crisp lines, and no rounding noise between layers
        node.x = round((node.x + MARGIN - leftmost) * 2) / 2


def _ports(graph: _Graph, key: str, others: list[str]) -> dict[str, float]:
    """Where the edges to `others` leave (or enter) a state box: the main path in the middle, the
    others spread towards the side they lead to, nearest first."""
    nodes = graph.nodes
    node = nodes[key]
    if node.kind != "state" or len(others) < 2:
        return dict.fromkeys(others, node.x)
    ranked = sorted(others, key=lambda other: nodes[other].x)
    middle = next((o for o in ranked if node.pinned and nodes[o].pinned), None)
    if middle is None:
        step = min(PORT_SPACING, (node.width - 2 * STATE_PADDING) / (len(ranked) - 1))
        centre = (len(ranked) - 1) / 2
        return {other: node.x + (i - centre) * step for i, other in enumerate(ranked)}
    left = [o for o in ranked if o != middle and nodes[o].x < node.x][::-1]
    right = [o for o in ranked if o != middle and nodes[o].x >= node.x]
    step = min(PORT_SPACING, (node.width / 2 - STATE_PADDING) / max(len(left), len(right)))
    placed = {middle: node.x}
    placed.update({o: node.x - (i + 1) * step for i, o in enumerate(left)})
    placed.update({o: node.x + (i + 1) * step for i, o in enumerate(right)})
    return placed


@dataclass
class _Routes:
    """Vertical geometry and the edges' polylines, once x is known."""

    graph: _Graph
    bottom_port: dict[str, dict[str, float]] = field(default_factory=dict)
    top_port: dict[str, dict[str, float]] = field(default_factory=dict)
    track: dict[tuple[str, str], int] = field(default_factory=dict)
    track_count: dict[int, int] = field(default_factory=dict)
    band_top: list[float] = field(default_factory=list)
    band_height: list[float] = field(default_factory=list)
    gap_height: list[float] = field(default_factory=list)
    height: float = 0.0

    def __post_init__(self) -> None:
        graph = self.graph
        self.bottom_port = {key: _ports(graph, key, graph.below[key]) for key in graph.nodes}
        self.top_port = {key: _ports(graph, key, graph.above[key]) for key in graph.nodes}
        # each step of a chain crosses one gap: down from x_top, along its own track, down to x_bottom
        steps: dict[int, list[tuple[tuple[str, str], float, float]]] = defaultdict(list)
        for chain in graph.chains.values():
            for i, (a, b) in enumerate(pairwise(chain)):
                x_top, x_bottom = self.step_x(chain, i)
                steps[graph.nodes[a].layer].append(((a, b), x_top, x_bottom))
        for gap, gap_steps in steps.items():
            self.track_count[gap] = _assign_tracks(gap_steps, self.track)
        # each layer a band as tall as its tallest node, each gap as tall as its tracks need
        y = MARGIN
        for index, layer in enumerate(graph.layers):
            self.band_top.append(y)
            self.band_height.append(max([graph.nodes[key].height for key in layer] + [8.0]))
            self.gap_height.append(max(LAYER_GAP, (self.track_count.get(index, 0) + 1) * TRACK_SPACING))
            y += self.band_height[-1] + self.gap_height[-1]
        self.height = y - self.gap_height[-1] + MARGIN

    def step_x(self, chain: list[str], i: int) -> tuple[float, float]:
        a, b = chain[i], chain[i + 1]
        x_top = self.bottom_port[a][b] if i == 0 else self.graph.nodes[a].x
        x_bottom = self.top_port[b][a] if i == len(chain) - 2 else self.graph.nodes[b].x
        return x_top, x_bottom

    def box(self, key: str) -> Box:
        node = self.graph.nodes[key]
        top = self.band_top[node.layer] + (self.band_height[node.layer] - node.height) / 2
        return Box(node.x - node.width / 2, top, node.width, node.height)

    def polyline(self, chain: list[str]) -> list[Point]:
        nodes = self.graph.nodes
        points: list[Point] = []
        for i, (a, b) in enumerate(pairwise(chain)):
            x_top, x_bottom = self.step_x(chain, i)
            layer = nodes[a].layer
            gap_top = self.band_top[layer] + self.band_height[layer]
            points.append((x_top, self.box(a).bottom if i == 0 else self.band_top[layer]))
            points.append((x_top, gap_top))
            if (a, b) in self.track:
                y = gap_top + (self.track[(a, b)] + 1) * self.gap_height[layer] / (
                    self.track_count[layer] + 1
                )
                points += [(x_top, y), (x_bottom, y)]
            points.append((x_bottom, self.band_top[nodes[b].layer]))
        points.append((points[-1][0], self.box(chain[-1]).y))
        return _simplified(points)


def process_layout(states: Sequence[ProcessState], transitions: Sequence[ProcessTransition]) -> ProcessLayout:
    """Boxes, labels and edge polylines of a process definition (see the module docstring). The
    layout (≈10 ms) is kept per process content: a guide page reuses it."""
    return _process_layout(tuple(states), tuple(transitions))


@lru_cache(maxsize=64)
def _process_layout(
    states: tuple[ProcessState, ...], transitions: tuple[ProcessTransition, ...]
) -> ProcessLayout:
    if not states:
        return ProcessLayout(width=0, height=0)
    codes = {s.code for s in states}
    edges = [t for t in transitions if t.source in codes and t.target in codes and t.source != t.target]
    start = next((s.code for s in states if s.kind == "start"), states[0].code)
    back = _back_edges(states, edges, start)
    main = _main_path(states, edges, back, start)
    main_steps = set(pairwise(main))

    # the layering graph (upper → lower): a state, a label per group, a back edge turned around
    groups = _groups(edges, back)
    nodes: dict[str, _Node] = {}
    for state in states:
        width = max(STATE_MIN_WIDTH, text_width(state.name, STATE_FONT) + 2 * STATE_PADDING)
        nodes[f"s:{state.code}"] = _Node(
            f"s:{state.code}", "state", width, STATE_HEIGHT, pinned=state.code in main
        )
    dag: list[tuple[str, str]] = []
    group_main: list[bool] = []
    for g, group in enumerate(groups):
        label, target = f"l:{g}", f"s:{group.action.target}"
        width = text_width(group.action.name, LABEL_FONT) + 2 * LABEL_PADDING
        step = next((s for s in group.sources if (s, group.action.target) in main_steps), None)
        if group.is_back:
            step = None
            dag += [(target, label), (label, f"s:{group.sources[0]}")]
        else:
            dag += [(f"s:{source}", label) for source in group.sources] + [(label, target)]
        if step is not None:
            main_steps.discard((step, group.action.target))  # one label per step of the main path
        group_main.append(step is not None)
        nodes[label] = _Node(label, "label", width, LABEL_HEIGHT, pinned=step is not None)
    graph = _Graph(nodes=nodes, start=f"s:{start}")
    _layered(graph, dag)
    _ordered(graph)
    _placed(graph)
    routes = _Routes(graph)

    pieces: list[EdgePiece] = []
    for g, group in enumerate(groups):
        label, target = f"l:{g}", f"s:{group.action.target}"
        style = "back" if group.is_back else "main" if group_main[g] else "side"
        if group.is_back:  # drawn from the source up to the label, then up to the target
            source = group.sources[0]
            up_to_label = reversed(routes.polyline(graph.chains[(label, f"s:{source}")]))
            up_to_target = reversed(routes.polyline(graph.chains[(target, label)]))
            pieces.append(EdgePiece(tuple(up_to_label), (source,), g, False, style))
            pieces.append(EdgePiece(tuple(up_to_target), (group.action.target,), g, True, style))
            continue
        for source in group.sources:
            into_label = routes.polyline(graph.chains[(f"s:{source}", label)])
            pieces.append(EdgePiece(tuple(into_label), (source,), g, False, style))
        into_target = routes.polyline(graph.chains[(label, target)])
        pieces.append(EdgePiece(tuple(into_target), (group.action.target,), g, True, style))
    return ProcessLayout(
        width=round(max(node.x + node.width / 2 for node in nodes.values()) + MARGIN),
        height=round(routes.height),
        states=tuple(
            PlacedState(
                state, routes.box(f"s:{state.code}"), nodes[f"s:{state.code}"].layer, state.code in main
            )
            for state in states
        ),
        labels=tuple(
            PlacedLabel(
                action=group.action.code,
                text=group.action.name,
                box=routes.box(f"l:{g}"),
                sources=tuple(group.sources),
                target=group.action.target,
                is_back=group.is_back,
                on_main_path=group_main[g],
            )
            for g, group in enumerate(groups)
        ),
        edges=tuple(pieces),
        main_path=tuple(main),
    )


# -- the printed step list ---------------------------------------------------------------------------


def process_steps(layout: ProcessLayout) -> list[ProcessStep]:
    """The states that are not final, top to bottom as drawn, each with its actions; an action that
    several states share comes once, as its own line after the last of them (待受理、待补正：撤回申请)."""
    names = {placed.state.code: placed.state.name for placed in layout.states}
    ordered = [
        placed.state.code
        for placed in sorted(layout.states, key=lambda placed: (placed.layer, placed.box.x))
        if placed.state.kind != "terminal"
    ]
    rank = {code: i for i, code in enumerate(ordered)}
    by_sources: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for label in layout.labels:
        sources = tuple(sorted((s for s in label.sources if s in rank), key=rank.__getitem__))
        if sources:
            by_sources[sources].append(f"{label.text} → {names[label.target]}")
    steps = []
    for code in ordered:
        if (code,) in by_sources:
            steps.append(ProcessStep(names[code], tuple(by_sources[(code,)])))
        for sources, actions in by_sources.items():
            if len(sources) > 1 and sources[-1] == code:
                steps.append(ProcessStep("、".join(names[source] for source in sources), tuple(actions)))
    return steps


# -- SVG ------------------------------------------------------------------------------------------------

_EDGE_STYLE = {
    "main": 'stroke="#1e40af" stroke-width="2"',
    "side": 'stroke="#64748b" stroke-width="1.4"',
    "back": 'stroke="#94a3b8" stroke-width="1.4" stroke-dasharray="5 4"',
}


def _path_data(points: Sequence[Point]) -> str:
    """An orthogonal polyline with rounded corners."""
    (x, y), last = points[0], points[-1]
    parts = [f"M{x:.1f},{y:.1f}"]
    for (x0, y0), (x1, y1), (x2, y2) in zip(points, points[1:], points[2:], strict=False):
        before, after = abs(x1 - x0) + abs(y1 - y0), abs(x2 - x1) + abs(y2 - y1)
        radius = min(CORNER_RADIUS, before / 2, after / 2)
        ax, ay = x1 + (x0 - x1) * radius / before, y1 + (y0 - y1) * radius / before
        bx, by = x1 + (x2 - x1) * radius / after, y1 + (y2 - y1) * radius / after
        parts.append(f"L{ax:.1f},{ay:.1f} Q{x1:.1f},{y1:.1f} {bx:.1f},{by:.1f}")
    parts.append(f"L{last[0]:.1f},{last[1]:.1f}")
    return " ".join(parts)


def render_svg(layout: ProcessLayout, *, title: str = "办理流程图") -> SafeString:
    if not layout.states:
        return mark_safe("")
    w, h = layout.width, layout.height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="process-diagram" width="{w:.0f}" height="{h:.0f}" '
        f'viewBox="0 0 {w:.0f} {h:.0f}" role="img" aria-labelledby="process-diagram-title">',
        f'<title id="process-diagram-title">{escape(title)}</title>',
        "<defs>",
    ]
    for style, colour in (("main", "#1e40af"), ("side", "#64748b"), ("back", "#94a3b8")):
        parts.append(
            f'<marker id="process-arrow-{style}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    parts.append("</defs>")
    for edge in layout.edges:
        arrow = f' marker-end="url(#process-arrow-{edge.style})"' if edge.arrow else ""
        parts.append(
            f'<path class="edge edge-{edge.style}" d="{_path_data(edge.points)}" fill="none" '
            f"{_EDGE_STYLE[edge.style]}{arrow}/>"
        )
    for placed in layout.states:
        b, kind = placed.box, placed.state.kind
        if kind == "terminal":
            fill, stroke = ("#ecfdf5", "#15803d") if placed.on_main_path else ("#f1f5f9", "#64748b")
        elif placed.on_main_path:
            fill, stroke = ("#dbeafe" if kind == "start" else "#eff6ff"), "#1d4ed8"
        else:
            fill, stroke = "#fffbeb", "#b45309"
        cx, cy = b.centre
        parts.append(
            f'<g class="state state-{escape(kind)}"><rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.width:.1f}" '
            f'height="{b.height:.1f}" rx="{b.height / 2 if kind == "terminal" else 6:.1f}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1.4"/><text x="{cx:.1f}" y="{cy + STATE_FONT * 0.36:.1f}" '
            f'font-size="{STATE_FONT:.0f}" text-anchor="middle" fill="#0f172a">{escape(placed.state.name)}</text></g>'
        )
    for label in layout.labels:
        b = label.box
        cx, cy = b.centre
        parts.append(
            f'<g class="action"><rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.width:.1f}" height="{b.height:.1f}" '
            f'rx="4" fill="#ffffff" stroke="#cbd5e1" stroke-width="1"/><text x="{cx:.1f}" '
            f'y="{cy + LABEL_FONT * 0.36:.1f}" font-size="{LABEL_FONT:.0f}" text-anchor="middle" '
            f'fill="#334155">{escape(label.text)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text is escaped above
