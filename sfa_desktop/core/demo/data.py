"""The demo's words and facts, read from ``resources/demo/``: people, companies, places, the product
catalogue, what reps write, the assignment rules, the sequence templates and the knowledge-base articles.

The generator's draws stay in code (:mod:`sfa_desktop.core.demo.draws` and its neighbours); what they draw
from lives in files a person can read and edit:

=========================  ======================================================================
``cities.csv``             city, state, a real ZIP code, its area codes and coordinates
``places.json``            the territories and their states, street names, the staff's home bases
``people.json``            first names, last names, job titles
``companies.json``         company name parts by industry, web domain endings, mailboxes
``products.json``          the catalogue by family: prices, and each product's sales facts
``pipeline.json``          opportunity themes, next steps, lost, disqualify and first-deal words
``activities.json``        activity subjects and notes, today's visit and call subjects, agendas
``territory_rules.json``   the assignment rules of the demo territories
``sequences.json``         sequence templates, as ``sfa central sequences import`` reads them
``kb/*.md``                knowledge-base articles, as ``sfa central kb import`` reads them;
                           ``kb/order.txt`` lists them in the order the demo writes them
=========================  ======================================================================

:func:`load` reads and checks them once per process; a file that is missing or malformed raises
:class:`DemoResourceError` naming the file and what is wrong.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.kb import files as kb_files
from sfa_desktop.core.records.fields import SEQUENCE_TARGETS
from sfa_desktop.core.resources import resources_dir
from sfa_desktop.core.sequences import templates as sequence_templates

Strings = tuple[str, ...]


class DemoResourceError(UserError, ValueError):
    """A demo resource file is missing or malformed; the message names the file and the problem."""


class City(NamedTuple):
    name: str
    state: str
    zip_code: str
    area_codes: Strings
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Product:
    """One product of the demo catalogue and what its knowledge-base sheet says about it."""

    name: str
    pitch: str
    features: Strings
    buyers: str
    goes_with: str


@dataclass(frozen=True)
class Family:
    name: str
    #: List prices are drawn in this range, in whole dollars.
    price_range: tuple[int, int]
    #: How often the family is in a customer's basket, relative to the others.
    order_weight: int
    #: The question to ask about the family, on every product sheet of it.
    talking_point: str
    products: tuple[Product, ...]


@dataclass(frozen=True)
class HomeBase:
    label: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Rule:
    """An assignment rule of a demo territory: the columns of ``territory_rules`` it sets."""

    territory: str
    name: str
    priority: int
    conditions: Mapping[str, Any]


@dataclass(frozen=True)
class DemoComment:
    author: str  # login
    #: ``{account}``/``{opportunity}`` name the record; ``@login`` mentions a colleague
    text: str
    days_ago: int
    hour: int


@dataclass(frozen=True)
class CommentThread:
    on: str  # account | opportunity
    territory: str  # code
    comments: tuple[DemoComment, ...]


@dataclass(frozen=True)
class DemoData:
    cities: tuple[City, ...]
    #: territory code -> (name, states)
    territories: dict[str, tuple[str, Strings]]
    street_names: Strings
    street_types: Strings
    #: login -> where the person's day starts (the call sheet's route)
    home_bases: dict[str, HomeBase]
    first_names: Strings
    last_names: Strings
    job_titles: Strings
    company_prefixes: Strings
    #: industry -> company name cores
    company_cores: dict[str, Strings]
    company_suffixes: Strings
    domain_endings: Strings
    mailboxes: Strings
    duplicate_suffixes: Strings
    families: tuple[Family, ...]
    opportunity_themes: Strings
    next_steps: Strings
    lost_reasons: Strings
    first_deals: Strings
    disqualify_reasons: Strings
    #: activity kind -> subjects
    activity_subjects: dict[str, Strings]
    activity_notes: Strings
    visit_subjects: dict[str, Strings]
    call_subjects: Strings
    agendas: Strings
    territory_rules: tuple[Rule, ...]
    #: sequence templates: name, description, target and steps as the import file gives them
    sequence_templates: tuple[dict[str, Any], ...]
    kb_articles: tuple[kb_files.ArticleFile, ...]
    #: the demo's announcements as ``announcements.json`` gives them (``core.demo.announcements``)
    announcements: tuple[dict[str, Any], ...]
    #: visit checklists (issue 16): name, segment (A, B, C or none) and items, checked as templates are
    checklists: tuple[dict[str, Any], ...]
    #: comment threads with @mentions (``comments.json``): each on an account or an opportunity of a territory
    comment_threads: tuple[CommentThread, ...] = ()

    @functools.cached_property
    def products(self) -> dict[str, Product]:
        """product name -> product, over every family."""
        return {p.name: p for family in self.families for p in family.products}


@functools.cache
def load(folder: Path | None = None) -> DemoData:
    """Every demo resource file of ``folder`` (default: ``resources/demo``), read and checked once."""
    return _Reader(folder or resources_dir() / "demo").read()


class _Reader:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = ""  # the file being read, for messages

    def fail(self, problem: str) -> DemoResourceError:
        return DemoResourceError(f"Demo data file {self.folder / self.name}: {problem}")

    def text(self, name: str) -> str:
        self.name = name
        try:
            return (self.folder / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise self.fail("missing; reinstall the app or restore the file.") from None
        except UnicodeDecodeError:
            raise self.fail("not UTF-8 text.") from None

    def json(self, name: str) -> dict[str, Any]:
        try:
            data = json.loads(self.text(name))
        except json.JSONDecodeError as exc:
            raise self.fail(f"not valid JSON ({exc.msg} at line {exc.lineno}).") from None
        if not isinstance(data, dict):
            raise self.fail("expected a JSON object at the top.")
        return data

    def strings(self, data: Mapping[str, Any], key: str) -> Strings:
        value = data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(f"'{key}' must be a non-empty list of texts.")
        return tuple(value)

    def text_of(self, data: Mapping[str, Any], key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"'{key}' must be a text.")
        return value

    def number(self, data: Mapping[str, Any], key: str, kind: type[int] | type[float]) -> Any:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int if kind is int else (int, float)):
            raise self.fail(f"'{key}' must be a number, not {value!r}.")
        return kind(value)

    def items(self, data: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
        value = data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"'{key}' must be a non-empty list of objects.")
        return value

    def grouped(self, data: Mapping[str, Any], key: str) -> dict[str, Strings]:
        value = data.get(key)
        if not isinstance(value, dict) or not value:
            raise self.fail(f"'{key}' must be an object of lists of texts.")
        return {group: self.strings(value, group) for group in value}

    def each(
        self, what: str, build: Callable[[dict[str, Any]], Any], rows: list[dict[str, Any]]
    ) -> list[Any]:
        built = []
        for number, row in enumerate(rows, start=1):
            try:
                built.append(build(row))
            except DemoResourceError as exc:
                raise DemoResourceError(f"{exc} ({what} {number})") from None
        return built

    # -- the files ------------------------------------------------------------------------------------------
    def read(self) -> DemoData:
        places = self.json("places.json")
        territories = {
            self.text_of(t, "code"): (self.text_of(t, "name"), self.strings(t, "states"))
            for t in self.items(places, "territories")
        }
        street_names, street_types = (
            self.strings(places, "street_names"),
            self.strings(places, "street_types"),
        )
        home_bases = {
            self.text_of(h, "login"): HomeBase(
                self.text_of(h, "label"),
                self.number(h, "latitude", float),
                self.number(h, "longitude", float),
            )
            for h in self.items(places, "home_bases")
        }
        people = self.json("people.json")
        first_names, last_names = self.strings(people, "first_names"), self.strings(people, "last_names")
        job_titles = self.strings(people, "job_titles")
        companies = self.json("companies.json")
        company = (
            self.strings(companies, "prefixes"),
            self.grouped(companies, "cores"),
            self.strings(companies, "suffixes"),
            self.strings(companies, "domain_endings"),
            self.strings(companies, "mailboxes"),
            self.strings(companies, "duplicate_suffixes"),
        )
        pipeline = self.json("pipeline.json")
        words = {
            key: self.strings(pipeline, key)
            for key in (
                "opportunity_themes",
                "next_steps",
                "lost_reasons",
                "first_deals",
                "disqualify_reasons",
            )
        }
        activities = self.json("activities.json")
        said = (
            self.grouped(activities, "subjects"),
            self.strings(activities, "notes"),
            self.grouped(activities, "visit_subjects"),
            self.strings(activities, "call_subjects"),
            self.strings(activities, "agendas"),
        )
        return DemoData(
            self.cities(),
            territories,
            street_names,
            street_types,
            home_bases,
            first_names,
            last_names,
            job_titles,
            *company,
            self.families(),
            words["opportunity_themes"],
            words["next_steps"],
            words["lost_reasons"],
            words["first_deals"],
            words["disqualify_reasons"],
            *said,
            self.rules(),
            self.sequence_templates(),
            self.kb_articles(),
            tuple(self.items(self.json("announcements.json"), "announcements")),
            self.checklists(),
            self.comment_threads(),
        )

    def cities(self) -> tuple[City, ...]:
        reader = csv.DictReader(io.StringIO(self.text("cities.csv")))
        columns = ("city", "state", "zip_code", "area_codes", "latitude", "longitude")
        if tuple(reader.fieldnames or ()) != columns:
            raise self.fail(f"the first line must name the columns {','.join(columns)}.")
        cities = []
        for row in reader:
            where = f"line {reader.line_num}"
            try:
                latitude, longitude = float(row["latitude"]), float(row["longitude"])
            except (TypeError, ValueError):
                raise self.fail(f"{where}: latitude and longitude must be numbers.") from None
            codes = tuple((row["area_codes"] or "").split())
            if not all(row[c] for c in columns) or not row["zip_code"].isdigit() or not codes:
                raise self.fail(f"{where}: every column needs a value, the ZIP code digits only.")
            cities.append(City(row["city"], row["state"], row["zip_code"], codes, latitude, longitude))
        if not cities:
            raise self.fail("no cities.")
        return tuple(cities)

    def families(self) -> tuple[Family, ...]:
        data = self.json("products.json")

        def product(p: dict[str, Any]) -> Product:
            return Product(
                self.text_of(p, "name"),
                self.text_of(p, "pitch"),
                self.strings(p, "features"),
                self.text_of(p, "buyers"),
                self.text_of(p, "goes_with"),
            )

        def family(f: dict[str, Any]) -> Family:
            price = f.get("price_range_dollars")
            if not (isinstance(price, list) and len(price) == 2 and all(type(v) is int for v in price)):
                raise self.fail("'price_range_dollars' must be [lowest, highest] in whole dollars.")
            return Family(
                self.text_of(f, "family"),
                (price[0], price[1]),
                self.number(f, "order_weight", int),
                self.text_of(f, "talking_point"),
                tuple(self.each("product", product, self.items(f, "products"))),
            )

        return tuple(self.each("family", family, self.items(data, "families")))

    def rules(self) -> tuple[Rule, ...]:
        data = self.json("territory_rules.json")

        def rule(r: dict[str, Any]) -> Rule:
            conditions = r.get("conditions")
            if not isinstance(conditions, dict) or not conditions:
                raise self.fail("'conditions' must be an object of rule columns and values.")
            return Rule(
                self.text_of(r, "territory"),
                self.text_of(r, "name"),
                self.number(r, "priority", int),
                conditions,
            )

        return tuple(self.each("rule", rule, self.items(data, "rules")))

    def comment_threads(self) -> tuple[CommentThread, ...]:
        data = self.json("comments.json")

        def comment(row: dict[str, Any]) -> DemoComment:
            hour = self.number(row, "hour", int)
            if not 0 <= hour <= 23:
                raise self.fail("'hour' must be from 0 to 23.")
            return DemoComment(
                self.text_of(row, "author"),
                self.text_of(row, "text"),
                self.number(row, "days_ago", int),
                hour,
            )

        def thread(row: dict[str, Any]) -> CommentThread:
            on = self.text_of(row, "on")
            if on not in ("account", "opportunity"):
                raise self.fail("'on' must be 'account' or 'opportunity'.")
            comments = tuple(self.each("comment", comment, self.items(row, "comments")))
            return CommentThread(on, self.text_of(row, "territory"), comments)

        return tuple(self.each("thread", thread, self.items(data, "threads")))

    def sequence_templates(self) -> tuple[dict[str, Any], ...]:
        """The templates as ``sfa central sequences import`` reads them, each checked by the same
        :func:`sfa_desktop.core.sequences.templates.validate`."""
        data = self.json("sequences.json")
        templates = self.items(data, "templates")
        for number, template in enumerate(templates, start=1):
            name = template.get("name")
            if not isinstance(name, str) or not name.strip():
                raise self.fail(f"template {number} has no name.")
            if template.get("target", "any") not in SEQUENCE_TARGETS:
                raise self.fail(f"template '{name}': target must be one of {', '.join(SEQUENCE_TARGETS)}.")
            try:
                sequence_templates.validate(template.get("steps"))
            except sequence_templates.TemplateError as exc:
                raise self.fail(f"template '{name}': {exc.message}") from None
        return tuple(templates)

    def checklists(self) -> tuple[dict[str, Any], ...]:
        """The visit checklists, each checked by ``core.visits.templates.parse_items``."""
        from sfa_desktop.core.records.validation import ValidationError
        from sfa_desktop.core.visits import templates as checklist_templates

        found = self.items(self.json("checklists.json"), "checklists")
        for number, checklist in enumerate(found, start=1):
            name = checklist.get("name")
            if not isinstance(name, str) or not name.strip():
                raise self.fail(f"checklist {number} has no name.")
            try:
                checklist_templates.check_segment(checklist.get("segment"))
                checklist_templates.parse_items(checklist.get("items") or [])
            except ValidationError as exc:
                raise self.fail(f"checklist '{name}': {exc}") from None
        return tuple(found)

    def kb_articles(self) -> tuple[kb_files.ArticleFile, ...]:
        """The articles of ``kb/``, read as ``sfa central kb import`` reads them, in ``kb/order.txt``'s
        order (the order the demo writes them in)."""
        order = [line.strip() for line in self.text("kb/order.txt").splitlines() if line.strip()]
        self.name = "kb"
        try:
            articles, problems = kb_files.read_folder(self.folder / "kb")
        except kb_files.ArticleFileError as exc:
            raise self.fail(str(exc)) from None
        if problems:
            raise self.fail("; ".join(problems))
        by_file = {article.path.name: article for article in articles}
        self.name = "kb/order.txt"
        if len(set(order)) != len(order) or set(order) != set(by_file):
            unlisted = sorted(set(by_file) - set(order))
            missing = sorted(set(order) - set(by_file))
            raise self.fail(
                f"must list every article file of kb/ once (not listed: {', '.join(unlisted) or 'none'}; "
                f"listed but missing: {', '.join(missing) or 'none'}; or a file listed twice)."
            )
        for name in order:
            article = by_file[name]
            if not article.category:
                raise DemoResourceError(f"Demo data file {article.path}: no category; add 'category: ...'.")
        return tuple(by_file[name] for name in order)
