"""The subset of QBO's query language connectors use, parsed and evaluated over the stored objects.

Supported: ``select * | count(*) | field, ... from Entity [where c and c ...] [orderby f [asc|desc], ...]
[startposition n] [maxresults n]`` with ``=``, ``!=``, ``<``, ``>``, ``<=``, ``>=``, ``in (...)`` and
``like '%x%'``.  Like QBO: no ``or`` (a parser error), at most 1000 rows a page (100 by default),
keywords and entity names in any case, and entities with an ``Active`` flag return only active
objects unless the query says something about ``Active``.  String comparisons ignore case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from . import faults
from .clock import parse_time
from .entities import SPECS, entity_name

if TYPE_CHECKING:
    from .company import Company

MAX_RESULTS = 1000
DEFAULT_MAX_RESULTS = 100

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?(?![\w.]))|(?P<op><=|>=|!=|<>|[=<>(),*])
                        |(?P<word>[A-Za-z_][\w.]*))""",
    re.VERBOSE,
)
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


@dataclass
class Condition:
    path: str
    op: str
    values: list[Any]


@dataclass
class Query:
    entity: str
    count: bool = False
    fields: list[str] | None = None  # None: every field
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (path, descending)
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


class _Tokens:
    def __init__(self, text: str) -> None:
        self.items: list[tuple[str, str, int]] = []
        position = 0
        text = text.rstrip().rstrip(";")
        while position < len(text):
            if text[position:].strip() == "":
                break
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                raise faults.query_parser(
                    f"Invalid content. Lexical error at line 1, column {position + 1}.  "
                    f"Encountered: \"{text[position : position + 1]}\""
                )
            kind = match.lastgroup or "word"
            self.items.append((kind, match.group(kind), match.start(kind) + 1))
            position = match.end()
        self.index = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.items[self.index] if self.index < len(self.items) else None

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise faults.query_parser("Encountered \"<EOF>\" at line 1. Was expecting more of the query.")
        self.index += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() in words:
            self.index += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.keyword(word):
            token = self.peek()
            found = token[1] if token else "<EOF>"
            column = token[2] if token else 0
            raise faults.query_parser(
                f"Encountered \" \"{found}\" \" at line 1, column {column}. Was expecting: \"{word}\" ..."
            )


def parse(text: str) -> Query:
    if not text or not text.strip():
        raise faults.query_parser("The query provided was empty")
    tokens = _Tokens(text)
    tokens.expect("select")
    count = False
    fields: list[str] | None = []
    if tokens.keyword("count"):
        for symbol in ("(", "*", ")"):
            if tokens.take()[1] != symbol:
                raise faults.query_parser("count must be written count(*)")
        count = True
    else:
        while True:
            kind, value, _ = tokens.take()
            if value == "*":
                fields = None
            elif kind == "word" and fields is not None:
                fields.append(value)
            elif kind != "word":
                raise faults.query_parser(f"Encountered \"{value}\" in the select list")
            if not (tokens.peek() and tokens.peek()[1] == ","):  # type: ignore[index]
                break
            tokens.take()
    tokens.expect("from")
    word = tokens.take()[1]
    entity = entity_name(word)
    if entity is None:
        raise faults.query_validation(f"Entity {word} is not supported by this query service")
    query = Query(entity=entity, count=count, fields=fields)
    if tokens.keyword("where"):
        query.where.append(_condition(tokens))
        while True:
            if tokens.keyword("and"):
                query.where.append(_condition(tokens))
                continue
            token = tokens.peek()
            if token and token[1].lower() == "or":
                raise faults.query_parser(
                    f"Encountered \" <OR> \"{token[1]} \"\" at line 1, column {token[2]}. "
                    "OR is not supported in QuickBooks Online queries."
                )
            break
    if tokens.keyword("orderby") or (tokens.keyword("order") and tokens.keyword("by")):
        while True:
            path = tokens.take()[1]
            descending = False
            if tokens.keyword("desc"):
                descending = True
            else:
                tokens.keyword("asc")
            query.order.append((path, descending))
            if not (tokens.peek() and tokens.peek()[1] == ","):  # type: ignore[index]
                break
            tokens.take()
    while tokens.peek():
        if tokens.keyword("startposition"):
            query.start = max(1, _integer(tokens))
        elif tokens.keyword("maxresults"):
            query.max_results = _integer(tokens)
            if query.max_results > MAX_RESULTS:
                raise faults.query_validation(
                    f"value {query.max_results} is too large. Max allowed value is {MAX_RESULTS}."
                )
        else:
            kind, value, column = tokens.take()
            raise faults.query_parser(
                f"Encountered \" \"{value}\" \" at line 1, column {column}. Was expecting "
                "one of: <EOF> \"and\" \"maxresults\" \"orderby\" \"startposition\""
            )
    return query


def _integer(tokens: _Tokens) -> int:
    kind, value, column = tokens.take()
    if kind != "num" or "." in value:
        raise faults.query_parser(f"Encountered \"{value}\" at line 1, column {column}. Was expecting an integer")
    return int(value)


def _literal(token: tuple[str, str, int]) -> Any:
    kind, value, column = token
    if kind == "str":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    if kind == "num":
        return Decimal(value)
    if kind == "word" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise faults.query_parser(f"Encountered \"{value}\" at line 1, column {column}. Was expecting a value")


def _condition(tokens: _Tokens) -> Condition:
    kind, path, column = tokens.take()
    if kind != "word":
        raise faults.query_parser(f"Encountered \"{path}\" at line 1, column {column}. Was expecting a property")
    if tokens.keyword("in"):
        if tokens.take()[1] != "(":
            raise faults.query_parser("in must be followed by a list in parentheses")
        values = []
        while True:
            values.append(_literal(tokens.take()))
            symbol = tokens.take()[1]
            if symbol == ")":
                break
            if symbol != ",":
                raise faults.query_parser(f"Encountered \"{symbol}\" in an in (...) list")
        return Condition(path, "in", values)
    if tokens.keyword("like"):
        return Condition(path, "like", [_literal(tokens.take())])
    op = tokens.take()[1]
    if op not in ("=", "<", ">", "<=", ">=", "!=", "<>"):
        raise faults.query_parser(f"Encountered \"{op}\" at line 1. Was expecting an operator")
    return Condition(path, "!=" if op == "<>" else op, [_literal(tokens.take())])


# ----------------------------------------------------------------------------- evaluation
def lookup(obj: dict[str, Any], path: str) -> Any:
    """Field value by dotted path, case-insensitive; references compare by their ``value``."""
    node: Any = obj
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        key = next((k for k in node if k.lower() == part.lower()), None)
        if key is None:
            return None
        node = node[key]
    if isinstance(node, dict) and "value" in node:
        node = node["value"]
    return node


def _compare(left: Any, right: Any, offset: int) -> int | None:
    """-1/0/1, or None when the two cannot be compared."""
    if left is None:
        return None
    if isinstance(right, bool) or isinstance(left, bool):
        return 0 if (str(left).lower() == str(right).lower()) else None
    if isinstance(left, str) and isinstance(right, str) and _DATE_LIKE.match(left) and _DATE_LIKE.match(right):
        try:
            a: Any = parse_time(left, offset)
            b: Any = parse_time(right, offset)
            return (a > b) - (a < b)
        except ValueError:
            pass
    if isinstance(right, Decimal) or isinstance(left, (int, float)):
        try:
            a, b = Decimal(str(left)), Decimal(str(right))
            return (a > b) - (a < b)
        except InvalidOperation:
            pass
    a, b = str(left).lower(), str(right).lower()
    return (a > b) - (a < b)


def _matches(obj: dict[str, Any], cond: Condition, offset: int) -> bool:
    value = lookup(obj, cond.path)
    if cond.op == "like":
        pattern = "^" + ".*".join(re.escape(part) for part in str(cond.values[0]).lower().split("%")) + "$"
        return value is not None and re.match(pattern, str(value).lower(), re.DOTALL) is not None
    if cond.op == "in":
        return any(_compare(value, candidate, offset) == 0 for candidate in cond.values)
    literal = cond.values[0]
    if cond.op not in ("=", "!=") and _NUMBER.fullmatch(str(value)) and _NUMBER.fullmatch(str(literal)):
        value, literal = Decimal(str(value)), Decimal(str(literal))  # Id > '23' compares numbers, as QBO does
    result = _compare(value, literal, offset)
    if result is None:
        return cond.op == "!="
    return {
        "=": result == 0,
        "!=": result != 0,
        "<": result < 0,
        ">": result > 0,
        "<=": result <= 0,
        ">=": result >= 0,
    }[cond.op]


def _sort_key(value: Any, offset: int) -> tuple[int, Any]:
    if value is None:
        return (3, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, Decimal(str(value)))
    text = str(value)
    if _NUMBER.fullmatch(text):
        return (0, Decimal(text))
    if _DATE_LIKE.match(text):
        try:
            return (1, parse_time(text, offset).timestamp())
        except ValueError:
            pass
    return (2, text.lower())


def select(query: Query, rows: list[dict[str, Any]], offset: int) -> list[dict[str, Any]]:
    """Filter and order (paging is left to the caller)."""
    conditions = list(query.where)
    if SPECS[query.entity].has_active and not any(c.path.lower() == "active" for c in conditions):
        conditions.append(Condition("Active", "=", [True]))
    found = [row for row in rows if all(_matches(row, c, offset) for c in conditions)]
    found.sort(key=lambda row: _sort_key(row.get("Id"), offset))
    for path, descending in reversed(query.order):
        found.sort(key=lambda row, p=path: _sort_key(lookup(row, p), offset), reverse=descending)
    return found


#: Results kept between two writes (a long result read page by page is filtered once, as a database
#: reads it through an index rather than scanning the table for every page).
_KEPT_RESULTS = 8


def _by_id(company: Company, query: Query) -> list[dict[str, Any]] | None:
    """The objects a ``Id = ...`` or ``Id IN (...)`` condition names, read by their Id instead of scanning the
    entity (the conditions are still applied to them, as to any row): a look-up of a few objects among many
    costs what a database's primary key costs.  None when no condition names Ids."""
    for condition in query.where:
        if condition.path.lower() != "id" or condition.op not in ("=", "in"):
            continue
        found = {}
        for value in condition.values:
            text = str(value).strip()
            for key in {text, str(int(text))} if text.isdigit() else {text}:
                obj = company.store.get(query.entity, key)
                if obj is not None:
                    found[key] = obj
        return list(found.values())
    return None


def _selected(company: Company, query: Query, offset: int) -> list[dict[str, Any]]:
    """The rows ``query`` selects, filtered and ordered; the same answer as computing it again, since
    the store forgets kept results at every write."""
    key = ("query", query.entity, repr(query.where), repr(query.order), offset)
    kept = company.store.derived
    if key in kept:
        return kept[key]
    named = _by_id(company, query)
    rows = named if named is not None else company.store.all(query.entity)
    if query.entity in ("Customer", "Vendor", "Account"):
        rows = company.serve(query.entity, rows)  # balances are derived: filter on the served values
    found = select(query, rows, offset)
    results = [k for k in kept if isinstance(k, tuple) and k[:1] == ("query",)]
    for old in results[: max(0, len(results) - _KEPT_RESULTS + 1)]:
        del kept[old]
    kept[key] = found
    return found


def run(company: Company, text: str) -> dict[str, Any]:
    """Execute one statement; returns the ``QueryResponse`` object."""
    query = parse(text)
    offset = int(company.setting("utc_offset_minutes"))
    with company.store.lock:
        found = _selected(company, query, offset)
        if query.count:
            return {"totalCount": len(found)}
        page = company.serve(query.entity, found[query.start - 1 : query.start - 1 + query.max_results])
    if not page:
        return {}
    if query.fields is not None:
        wanted = {f.lower() for f in query.fields}
        page = [
            {k: v for k, v in row.items() if k.lower() in wanted or k in ("Id", "SyncToken", "domain")}
            | {"sparse": True}
            for row in page
        ]
    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}
