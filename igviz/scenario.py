"""What someone saw, as plain values: to put in a link, a file, or back into an assessment.

A link is how a facilitator shares "this is what the weights did", so reading one must
never break the page: every value is checked, bad ones are named and skipped, and the
rest still applies.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import yaml

from .i18n import Message
from .methods import METHODS


@dataclass
class Scenario:
    framework: str
    method: str = "weighted_sum"
    weights: dict[str, float] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    selected: str | None = None
    compared: list[str] = field(default_factory=list)
    stance: float = 0.0

    @classmethod
    def from_assessment(cls, a) -> "Scenario":
        return cls(a.framework, a.method, a.weights.values(), dict(a.thresholds), a.selected, list(a.compared),
                   a.stance)

    def apply(self, a) -> None:
        """Put this scenario into an assessment, framework first (it rebuilds the weights)."""
        if a.framework != self.framework:
            a.framework = self.framework
        a.weights.set(self.weights)
        a.param.update(method=self.method, thresholds=dict(self.thresholds),
                       selected=self.selected, compared=list(self.compared), stance=self.stance)

    # -- files ------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return asdict(self)

    def save(self, path) -> Path:
        """Write the scenario as YAML (.yaml/.yml) or JSON (anything else)."""
        path = Path(path)
        data = self.to_dict()
        text = (yaml.safe_dump(data, sort_keys=False, allow_unicode=True) if path.suffix in (".yaml", ".yml")
                else json.dumps(data, indent=2, ensure_ascii=False))
        path.write_text(text, encoding="utf-8")
        return path

    @classmethod
    def load(cls, path, dataset) -> "Scenario":
        """Read a scenario file; anything it cannot use is an error naming the file and the field."""
        from .errors import DataError, DataValidationError

        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))  # YAML is a superset of JSON
        except (OSError, yaml.YAMLError) as exc:
            raise DataValidationError([DataError(str(path), "scenario", "", f"cannot read: {exc}")]) from None
        if not isinstance(data, dict):
            raise DataValidationError([DataError(str(path), "scenario", "", "expected a mapping of scenario fields")])
        query = {k: v for k, v in {
            "framework": data.get("framework"), "method": data.get("method"),
            "weights": ",".join(f"{k}:{v}" for k, v in (data.get("weights") or {}).items()),
            "thresholds": ",".join(f"{k}:{v}" for k, v in (data.get("thresholds") or {}).items()),
            "selected": data.get("selected") or "", "compare": ",".join(data.get("compared") or []),
            "stance": str(data.get("stance") or ""),
        }.items() if v is not None}
        scenario, problems = cls.from_query(query, dataset)
        if problems:
            raise DataValidationError([DataError(str(path), "scenario", "", p) for p in problems])
        return scenario

    @classmethod
    def from_link(cls, link: str, dataset) -> "tuple[Scenario, list[str]]":
        return cls.from_query(parse_qs(urlparse(link).query), dataset)

    # -- links ------------------------------------------------------------------------

    def to_query(self) -> dict[str, str]:
        query = {"framework": self.framework, "method": self.method,
                 "weights": ",".join(f"{k}:{_num(v)}" for k, v in self.weights.items())}
        if self.thresholds:
            query["thresholds"] = ",".join(f"{k}:{_num(v)}" for k, v in self.thresholds.items())
        if self.selected:
            query["selected"] = self.selected
        if self.compared:
            query["compare"] = ",".join(self.compared)
        if self.stance:
            query["stance"] = _num(self.stance)
        return query

    def to_link(self, base: str = "") -> str:
        return f"{base}?{urlencode(self.to_query(), safe=':,')}"

    @classmethod
    def from_query(cls, query: dict, dataset) -> "tuple[Scenario, list[str]]":
        """Read link parameters (values may be str, bytes or lists of them, as servers give them).

        Returns the scenario built from every valid value, and a message for each invalid one.
        """
        q = {k: _text(v) for k, v in query.items()}
        problems: list[str] = []
        framework = q.get("framework") or dataset.default_framework.id
        if framework not in dataset.frameworks:
            problems.append(Message("Unknown framework '{framework}' in the link; showing {default}.",
                                    framework=framework, default=dataset.default_framework.name))
            framework = dataset.default_framework.id
        criteria = dataset.framework(framework).criterion_ids
        method = q.get("method") or "weighted_sum"
        if method not in METHODS:
            problems.append(Message("Unknown method '{method}' in the link (known: {known}); using the weighted sum.",
                                    method=method, known=", ".join(METHODS)))
            method = "weighted_sum"
        weights = _pairs(q.get("weights", ""), "weight", criteria, problems)
        thresholds = _pairs(q.get("thresholds", ""), "threshold", criteria, problems,
                            upper=dataset.scale.max)
        ids = list(dataset.proposals)
        selected = q.get("selected") or None
        if selected is not None and selected not in ids:
            problems.append(Message("Unknown proposal '{proposal}' in the link; nothing is selected.", proposal=selected))
            selected = None
        compared = []
        for pid in filter(None, (q.get("compare") or "").split(",")):
            if pid in ids:
                compared.append(pid)
            else:
                problems.append(Message("Unknown proposal '{proposal}' in the link's comparison; left out.", proposal=pid))
        stance = 0.0
        if q.get("stance"):
            try:
                stance = float(q["stance"])
            except ValueError:
                stance = math.nan
            if not -1 <= stance <= 1:
                problems.append(Message("Ignored stance '{stance}' in the link: expected a number from -1 to 1.",
                                        stance=q["stance"]))
                stance = 0.0
        return cls(framework, method, weights, thresholds, selected, compared, stance), problems


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()


def _num(v: float) -> str:
    return f"{v:g}"


# Whole sentences per kind of value, so that each translates as one.
_BAD_PAIR = {
    "weight": Message("Ignored weight '{part}' in the link: expected criterion:number with a criterion of this "
                      "framework ({criteria})."),
    "threshold": Message("Ignored threshold '{part}' in the link: expected criterion:number with a criterion of this "
                         "framework ({criteria})."),
}
_BAD_VALUE = {
    "weight": Message("Ignored weight for '{criterion}' in the link: expected a number from 0 to {upper}, got '{value}'."),
    "threshold": Message("Ignored threshold for '{criterion}' in the link: expected a number from 0 to {upper}, "
                         "got '{value}'."),
}
_BAD_UNBOUNDED = {
    "weight": Message("Ignored weight for '{criterion}' in the link: expected a number of 0 or more, got '{value}'."),
    "threshold": Message("Ignored threshold for '{criterion}' in the link: expected a number of 0 or more, "
                         "got '{value}'."),
}


def _pairs(text: str, what: str, criteria: list[str], problems: list[str], upper: float = math.inf) -> dict[str, float]:
    out = {}
    for part in filter(None, text.split(",")):
        key, sep, raw = part.partition(":")
        key = key.strip()
        if not sep or key not in criteria:
            problems.append(Message(_BAD_PAIR[what], part=part, criteria=", ".join(criteria)))
            continue
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0 or value > upper:
            template = _BAD_VALUE[what] if math.isfinite(upper) else _BAD_UNBOUNDED[what]
            problems.append(Message(template, criterion=key, upper=f"{upper:g}", value=raw))
            continue
        out[key] = value
    return out
