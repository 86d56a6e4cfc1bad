"""Domain contracts: the state and action codes a domain's code relies on, per process definition.

A domain keeps its own status in step with the engine's state (一网通办: `Application.Status` is the
instance's state code) and runs actions by code (`accept`, `refuse` …). A definition edited in the
admin that renames or removes one of them would break that code silently, so a domain declares them
in its AppConfig.ready():

    register_contract(
        "yiwang_tongban",
        owner="一网通办",
        states=[...Application.Status values...],
        actions=["accept", "refuse", ...],
    )

`definition_publish` refuses a version that breaks a contract (Chinese message naming the domain
and each missing code), and the system check `workflow.E001` checks the definitions shipped in
`workflow/definitions/` at start-up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Contract:
    definition: str  # the process definition's code
    owner: str  # the domain, as people name it (一网通办)
    states: frozenset[str]
    actions: frozenset[str]


_contracts: dict[str, list[Contract]] = {}


def register_contract(
    definition: str, *, owner: str, states: Iterable[str] = (), actions: Iterable[str] = ()
) -> Contract:
    contract = Contract(definition, owner, frozenset(states), frozenset(actions))
    registered = _contracts.setdefault(definition, [])
    if contract not in registered:
        registered.append(contract)
    return contract


def contracts_for(definition: str) -> list[Contract]:
    return list(_contracts.get(definition, ()))


def contract_errors(code: str, content: dict[str, Any]) -> list[str]:
    """What a definition's content (states and actions) lacks of the contracts on `code`, in Chinese."""
    states = {str(s.get("code")) for s in content.get("states", ()) if isinstance(s, dict)}
    actions = {str(a.get("code")) for a in content.get("actions", ()) if isinstance(a, dict)}
    errors = []
    for contract in contracts_for(code):
        missing_states = sorted(contract.states - states)
        missing_actions = sorted(contract.actions - actions)
        if missing_states:
            errors.append(f"「{contract.owner}」依赖的环节 {'、'.join(missing_states)} 在该流程定义中不存在")
        if missing_actions:
            errors.append(f"「{contract.owner}」依赖的动作 {'、'.join(missing_actions)} 在该流程定义中不存在")
    return errors
