"""Mesa agents as thin views over the state arrays.

An agent holds only its row index; every property reads or writes the arrays, so the
kernels and the Mesa API always agree. Services and worker posts are few and are
created eagerly; persons and families are created lazily on first access
(:meth:`CareModel.person`), so a million-person model builds no million objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from carecomplex.state import Domain, Persona

if TYPE_CHECKING:
    from carecomplex.model import CareModel


class _View(mesa.Agent):
    """An agent that is a window on row ``index`` of some arrays."""

    def __init__(self, model: CareModel, index: int):
        super().__init__(model)
        self.index = int(index)


class Person(_View):
    """Someone who may need support."""

    @property
    def _p(self):
        return self.model.state.person

    @property
    def needs(self) -> dict[str, float]:
        """Current need per life domain (0-1)."""
        return {d.name.lower(): float(self._p.need[self.index, d]) for d in Domain}

    @property
    def alive(self) -> bool:
        """Alive (the dead stay in the arrays, flagged)."""
        return bool(self._p.alive[self.index])

    @property
    def complex_needs(self) -> bool:
        """In the multiple-disadvantage subgroup."""
        return bool(self._p.complex[self.index])

    @property
    def persona(self) -> str:
        """Persona tag ('none' for most persons)."""
        return Persona(int(self._p.persona[self.index])).name.lower()

    @property
    def wellbeing(self) -> float:
        """1 minus mean need."""
        return 1.0 - float(self._p.need[self.index].mean())

    @property
    def trust(self) -> float:
        """Highest trust in a current worker (general trust in services if none)."""
        active = self._p.slot_service[self.index] >= 0
        if active.any():
            return float(self._p.slot_trust[self.index][active].max())
        return float(self._p.sys_trust[self.index])

    @property
    def services(self) -> list[int]:
        """Services currently supporting the person."""
        s = self._p.slot_service[self.index]
        return [int(x) for x in s[s >= 0]]

    @property
    def cost(self) -> float:
        """Public cost so far in the measured period, in pounds."""
        return float(self._p.cost[self.index].sum()) / 100.0

    @property
    def family(self) -> Family:
        """The person's household."""
        return self.model.family(int(self._p.family[self.index]))


class Family(_View):
    """A household; members are contiguous rows of the person arrays."""

    @property
    def members(self) -> list[Person]:
        """Persons in the household."""
        f = self.model.state.family
        start = int(f.start[self.index])
        return [self.model.person(i) for i in range(start, start + int(f.size[self.index]))]

    @property
    def support(self) -> float:
        """Family support capacity (0-1)."""
        return float(self.model.state.family.support[self.index])


class Service(_View):
    """An organisation or team working in one domain."""

    @property
    def domain(self) -> str:
        """Life domain of the service."""
        return Domain(self.index).name.lower()

    def __getattr__(self, name: str):
        arr = getattr(self.model.state.service, name, None) if name != "model" else None
        if isinstance(arr, np.ndarray):
            return float(arr[self.index]) if arr.ndim == 1 else arr[self.index]
        raise AttributeError(name)


class Worker(_View):
    """A frontline worker post; the holder changes on turnover."""

    def __getattr__(self, name: str):
        arr = getattr(self.model.state.worker, name, None) if name != "model" else None
        if isinstance(arr, np.ndarray):
            return arr[self.index].item()
        raise AttributeError(name)


def attach_agents(model: CareModel) -> None:
    """Create service and worker agents and the lazy person/family accessors."""
    model.service_agents = [Service(model, s) for s in range(len(model.state.service.load))]
    model.worker_agents = [Worker(model, w) for w in range(len(model.state.worker.uid))]
    persons: dict[int, Person] = {}
    families: dict[int, Family] = {}

    def person(i: int) -> Person:
        if i not in persons:
            persons[i] = Person(model, i)
        return persons[i]

    def family(f: int) -> Family:
        if f not in families:
            families[f] = Family(model, f)
        return families[f]

    model.person = person
    model.family = family
