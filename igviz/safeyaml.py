"""Reading YAML that may be hostile: one function for data files and scenario files.

`yaml.safe_load` builds no objects but trusts the shape of what it reads. A few kilobytes of
nested aliases (a "billion laughs" file) stand for billions of values: loading them is cheap,
but anything that walks the result (a check, a message quoting it, a fingerprint) runs out of
memory. A duplicate key silently keeps its last value. A file nested thousands of levels deep
breaks any code that recurses over it. So every document is composed into its node graph and
checked there, before a single value is built from it:

    - aliases may add at most MAX_ALIAS_EXPANSION values to a document (a bomb is refused in
      milliseconds, and never expanded, not even into a message);
    - a document refers to itself nowhere (`&a [*a]`) and nests at most MAX_DEPTH levels;
    - a key appears once per mapping.

libyaml's C parser (`yaml.CSafeLoader`, about 10x faster on large files) is used where PyYAML
was built with it; the checks are the same either way. The text must be UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_ALIAS_EXPANSION = 100_000   # values that aliases may add beyond those written out
MAX_DEPTH = 100                 # levels of nesting; igviz's files use fewer than ten
_MERGE = "tag:yaml.org,2002:merge"

# PyYAML built without libyaml has only the pure-Python parser; the checks are the same.
C_LOADER = hasattr(yaml, "CSafeLoader")


@dataclass
class YamlProblem(Exception):
    """Why a document was refused: a message for people, and where (1-based line; 0 if unknown)."""

    message: str
    line: int = 0
    column: int = 0
    path: str = ""     # the key path inside the document ("scores.effective"), when known
    detail: str = ""   # said after the place: "not valid YAML at line 2, column 1: <detail>"

    def __str__(self) -> str:
        where = f" at line {self.line}, column {self.column}" if self.line else ""
        return f"{self.message}{where}: {self.detail}" if self.detail else f"{self.message}{where}"


class ReadDict(dict):
    """A mapping read from a data file that remembers which keys the code asked for, found or not.

    After a file is parsed, a key nobody asked for is one igviz does not read (`strenghts:`), and
    the keys that were asked for are what "did you mean" chooses from; a field a parser reads is
    known without being listed anywhere else.
    """

    __slots__ = ("asked",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked: set = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)

    def _all(self):
        self.asked.update(super().keys())

    def keys(self):
        self._all()
        return super().keys()

    def items(self):
        self._all()
        return super().items()

    def values(self):
        self._all()
        return super().values()

    def __iter__(self):
        self._all()
        return super().__iter__()


yaml.SafeDumper.add_representer(ReadDict, yaml.representer.SafeRepresenter.represent_dict)


class _Checked:
    track = False   # build mappings as ReadDict

    def get_single_data(self):
        node = self.get_single_node()
        if node is None:
            return None
        check_node(node, self)
        return self.construct_document(node)

    def construct_yaml_map(self, node):
        data = ReadDict() if self.track else {}
        yield data
        data.update(self.construct_mapping(node))   # dict.update: filling it in is not asking


def make_loader(base, track: bool) -> type:
    """A loader class on `base` (yaml.SafeLoader or yaml.CSafeLoader) with the checks; `track`: ReadDict mappings."""
    cls = type(base.__name__.replace("Safe", "Checked"), (_Checked, base), {"track": track})
    cls.add_constructor("tag:yaml.org,2002:map", _Checked.construct_yaml_map)
    return cls


PythonLoader = make_loader(yaml.SafeLoader, False)
Loader = make_loader(yaml.CSafeLoader, False) if C_LOADER else PythonLoader
TrackingLoader = make_loader(yaml.CSafeLoader if C_LOADER else yaml.SafeLoader, True)


def check_node(root: Node, constructor=None) -> None:
    """Refuse a composed document with self-references, too much nesting, alias bombs or duplicate keys.

    One post-order walk that visits each distinct node once: an alias is the same node object
    reached again, so what it would expand to is added up from numbers, never built. Large files
    are mostly scalars, so those take the short path; where a problem is found is worked out only
    then (`_path_to`).
    """
    size: dict[int, int] = {}       # node id -> values it stands for, aliases expanded
    height: dict[int, int] = {}     # node id -> levels it nests, itself included
    distinct = 0
    on_path: set[int] = set()
    stack: list[tuple[Node, int]] = [(root, 1)]   # (node, its depth); a negative depth: its children are done
    while stack:
        node, depth = stack.pop()
        key = id(node)
        if depth < 0:
            on_path.discard(key)
            children = _children(node)
            total = 1 + sum(size[id(c)] for c in children)
            size[key] = total
            height[key] = 1 + max((height[id(c)] for c in children), default=0)
            if total - distinct > MAX_ALIAS_EXPANSION:
                raise _problem(root, node, "refused", f"its aliases (*name) would expand to more than "
                               f"{MAX_ALIAS_EXPANSION:,} values beyond the {distinct:,} written out; "
                               "write the values out instead")
            continue
        if key in size:
            # An alias of a node already checked: its values are counted by the sum above, and it
            # nests as deep here as where it was written out.
            if depth + height[key] - 1 > MAX_DEPTH:
                raise _problem(root, node, "refused", f"nested more than {MAX_DEPTH} levels deep (through an alias)")
            continue
        if key in on_path:
            raise _problem(root, node, "refused", "an alias (*name) refers to the value that contains it")
        if depth > MAX_DEPTH:
            raise _problem(root, node, "refused", f"nested more than {MAX_DEPTH} levels deep")
        distinct += 1
        kind = node.__class__
        if kind is ScalarNode:
            size[key] = height[key] = 1
            continue
        on_path.add(key)
        stack.append((node, -depth))
        if kind is MappingNode:
            if len(node.value) > 1:
                _check_keys(root, node, constructor)
            for k, v in node.value:
                stack.append((k, depth + 1))
                stack.append((v, depth + 1))
        else:
            for item in node.value:
                stack.append((item, depth + 1))


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


_STR = "tag:yaml.org,2002:str"


def _check_keys(root: Node, node: MappingNode, constructor) -> None:
    seen: dict[Any, Node] = {}
    for k, _v in node.value:
        if k.__class__ is not ScalarNode or k.tag == _MERGE:
            continue  # `<<: *defaults` may be overridden by the mapping's own keys; that is its purpose
        if k.tag == _STR:
            value = k.value
        else:
            try:
                # As the value will be built, so `1` and `true`, or `yes` and `true`, are one key too.
                value = constructor.construct_object(k) if constructor is not None else k.value
                hash(value)
            except Exception:
                value = (k.tag, k.value)
        if value in seen:
            raise _problem(root, k, f"duplicate key '{_key_text(k)}'",
                           f"the same key is at line {seen[value].start_mark.line + 1}; a key may appear once in a "
                           "mapping (otherwise the later value would silently win)")
        seen[value] = k


def _problem(root: Node, node: Node, message: str, detail: str) -> YamlProblem:
    return YamlProblem(message, *_mark(node), _short(_path_to(root, node)), detail)


def _path_to(root: Node, target: Node) -> str:
    """Where `target` sits in the document ("scores.effective[0]"), by a walk that visits each node once."""
    seen: set[int] = set()
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for k, v in node.value:
                name = _key_text(k)
                stack.append((v, f"{path}.{name}" if path else name))
                if k is target:
                    return f"{path}.{name}" if path else name
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                stack.append((item, f"{path}[{i}]"))
    return ""


def _short(path: str) -> str:
    return path if len(path) <= 80 else path[:77] + "..."


def _key_text(node: Node) -> str:
    return str(node.value)[:40] if isinstance(node, ScalarNode) else "?"


def _mark(node: Node) -> tuple[int, int]:
    mark = getattr(node, "start_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is allowed), or YamlProblem naming the first bad byte's line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlProblem("not UTF-8 text", line, column, detail=f"byte 0x{data[exc.start]:02x} cannot be read (the "
                          "file may be Latin-1 or Windows-1252); save it as UTF-8") from None


def loads(text: str | bytes, loader_class: type | None = None) -> Any:
    """One YAML (or JSON) document as plain values, after the checks above; YamlProblem if refused."""
    if isinstance(text, bytes):
        text = decode(text)
    loader = (loader_class or Loader)(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot be read"
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise YamlProblem("not valid YAML", line, column, detail=problem) from None
    except yaml.YAMLError as exc:
        raise YamlProblem("not valid YAML", detail=str(exc)) from None
    except RecursionError:
        # The pure-Python parser recurses once per level before our depth check can run (libyaml
        # itself stops at 1,000 levels).
        raise YamlProblem("refused", detail=f"nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()


def load_file(path: str | Path, track: bool = False) -> Any:
    """A YAML file's one document; YamlProblem for bad text or YAML, OSError if it cannot be read.

    With `track`, its mappings are ReadDicts (see there)."""
    path = Path(path)
    if path.is_dir():
        raise YamlProblem("is a folder; expected a YAML file")
    if path.exists() and not path.is_file():   # a named pipe or a device would block the read for ever
        raise YamlProblem("is not a regular file; expected a YAML file")
    return loads(path.read_bytes(), TrackingLoader if track else None)
