"""pandas tables turned into the same raw records a YAML file holds, for `Dataset.from_frames`.

Both paths then go through the same parsers and checks, so a table and a file accept and
refuse exactly the same things.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import pandas as pd

from ..errors import DataError


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _row_citation(row: Mapping[str, Any]) -> dict:
    return {k: row[k] for k in ("source", "quote", "reference", "url") if _present(row.get(k))}


def _mapping(value: Any) -> Any:
    """Accept "a: 1, b: 2" (what people type in a spreadsheet) as well as a dict."""
    if isinstance(value, str):
        out = {}
        for part in value.replace(";", ",").split(","):
            if part.strip():
                key, _, num = part.partition(":")
                try:
                    out[key.strip()] = float(num)
                except ValueError:
                    out[key.strip()] = num.strip()
        return out
    return value


def _rows(frame: pd.DataFrame) -> list[dict]:
    return [{k: (v if _present(v) else None) for k, v in row.items()} for row in frame.to_dict("records")]


def frameworks_from_frame(frame: pd.DataFrame, errors: list[DataError]) -> list[tuple[str, dict]]:
    label = "criteria DataFrame"
    if "framework" not in frame.columns:
        errors.append(DataError(label, "", "framework", "missing column; expected the framework id of each criterion"))
        return []
    out: dict[str, dict] = {}
    for i, row in enumerate(_rows(frame)):
        fid = row.get("framework")
        fw = out.setdefault(str(fid), {
            "id": fid, "name": row.get("framework_name") or fid,
            "description": row.get("framework_description") or f"Criteria framework {fid}",
            "default": bool(row.get("default") or False), "criteria": [],
        })
        if "citation" not in fw and _row_citation(row):
            fw["citation"] = _row_citation(row)
        criterion = {k: row.get(k) for k in ("id", "name", "group", "description", "derivation_rationale") if row.get(k) is not None}
        criterion["citation"] = _row_citation(row)
        if row.get("derived_from") is not None:
            criterion["derived_from"] = _mapping(row["derived_from"])
        fw["criteria"].append(criterion)
    return [(f"{label} (framework {fid})", fw) for fid, fw in out.items()]


def proposals_from_frames(proposals: pd.DataFrame | None, scores: pd.DataFrame | None,
                           base: Any, errors: list[DataError]) -> list[tuple[str, dict]]:
    out: dict[str, dict] = {}
    if proposals is not None:
        for i, row in enumerate(_rows(proposals)):
            pid = row.get("id")
            out[str(pid)] = {
                **{k: row.get(k) for k in ("id", "name", "short_name", "proponent", "description") if row.get(k) is not None},
                "baseline": bool(row.get("baseline") or False),
                "source_names": _list(row.get("source_names")),
                "citations": [_row_citation(row)] if _row_citation(row) else [],
                "attributes": {
                    **{k: row.get(k) for k in ("home_institution", "decision_rule", "binding",
                                                 "coordinating_function", "issue_working_groups", "notes")
                       if row.get(k) is not None},
                    "seats": _mapping(row.get("seats")) or {},
                    "advisory_groups": _list(row.get("advisory_groups")),
                },
                "scores": {},
            }
    if scores is not None:
        label = "scores DataFrame"
        for i, row in enumerate(_rows(scores)):
            pid, cid = row.get("proposal"), row.get("criterion")
            if str(pid) not in out:
                errors.append(DataError(label, f"row {i + 1}", "proposal",
                                        f"unknown proposal '{pid}'; a scores table scores the proposals of its "
                                        f"proposals table ({', '.join(out) or 'none given'})"))
                continue
            out[str(pid)]["scores"][str(cid)] = {
                **{k: row.get(k) for k in ("score", "low", "high", "evidence", "rationale", "names") if row.get(k) is not None},
                "citations": [_row_citation(row)] if _row_citation(row) else [],
            }
    # Scores live in their own table, so a problem names both tables; record and field pin it down.
    return [(f"proposals and scores DataFrames (proposal row {i + 1})", p) for i, p in enumerate(out.values())]


def _list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    # A cell holding one number (or a mapping) is one wrong item for the parser to name, not a TypeError.
    return list(value) if isinstance(value, (list, tuple)) else [value]
