"""Knowledge-base articles as Markdown files with a small front matter, as ``sfa central kb import DIR``
reads them::

    ---
    title: Handling "it is too expensive"
    category: Objection handling
    tags: pricing, objections
    products: TEL-120, SOF-110
    published: yes
    ---
    When a buyer says the price is too high, ...

``title`` is required (without front matter, the first ``# heading`` is the title); the other keys are
optional; ``products`` are SKUs.  The file name, without ``.md``, is the article's stable key: importing
the folder again updates the same articles.  Every problem raises :class:`ArticleFileError` naming the
file and what to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.kb.articles import join_tags, slug, tag_list
from sfa_desktop.core.records.fields import KB_ARTICLES, clean
from sfa_desktop.core.records.validation import ValidationError

KEYS = ("title", "category", "tags", "products", "published")
MAX_BYTES = 1_000_000


class ArticleFileError(UserError, ValueError):
    """A file that cannot be imported; the message names it and says what to change."""


@dataclass(frozen=True)
class ArticleFile:
    path: Path
    slug: str
    title: str
    category: str | None
    tags: str | None
    skus: tuple[str, ...]
    published: bool
    body: str


def _front_matter(name: str, lines: list[str]) -> tuple[dict[str, str], list[str]]:
    if not lines or lines[0].strip() != "---":
        return {}, lines
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise ArticleFileError(f"{name}: the front matter starting on line 1 has no closing '---' line.")
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or not key:
            raise ArticleFileError(f"{name}, line {number}: expected 'key: value', found '{line.strip()}'.")
        if key not in KEYS:
            raise ArticleFileError(f"{name}, line {number}: unknown key '{key}'; use {', '.join(KEYS)}.")
        if key in meta:
            raise ArticleFileError(f"{name}, line {number}: '{key}' is given twice.")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        meta[key] = value
    return meta, lines[end + 1 :]


def _listed(value: str) -> list[str]:
    """'a, b' or '[a, b]' -> ['a', 'b']."""
    inner = value.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    return [item.strip().strip("'\"").strip() for item in inner.split(",") if item.strip().strip("'\"")]


_YES = {"yes", "true", "1", "y", "on"}
_NO = {"no", "false", "0", "n", "off"}


def parse(path: Path, content: str) -> ArticleFile:
    """One article file's content, checked like any article (title required, field lengths, no control
    characters)."""
    name = path.name
    key = slug(name)
    if not key:
        raise ArticleFileError(f"{name}: the file name has no letters or digits to name the article by.")
    lines = content.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta, body_lines = _front_matter(name, lines)
    title = meta.get("title", "")
    if not title:
        for number, line in enumerate(body_lines):
            if line.startswith("# "):
                title = line[2:].strip().rstrip("#").strip()
                body_lines = body_lines[:number] + body_lines[number + 1 :]
                break
    if not title:
        raise ArticleFileError(f"{name}: no title; add 'title: ...' to the front matter.")
    published = True
    if "published" in meta:
        answer = meta["published"].lower()
        if answer not in _YES | _NO:
            raise ArticleFileError(f"{name}: published must be yes or no, not '{meta['published']}'.")
        published = answer in _YES
    body = "\n".join(body_lines).strip("\n")
    values = {
        "title": title,
        "category": meta.get("category") or None,
        "tags": join_tags(tag_list(", ".join(_listed(meta.get("tags", ""))))),
        "body": body,
        "published": published,
    }
    try:
        cleaned = clean(KB_ARTICLES, values)
    except ValidationError as exc:
        problems = "; ".join(exc.errors.values())
        raise ArticleFileError(f"{name}: {problems}") from None
    return ArticleFile(
        path=path,
        slug=key,
        title=cleaned["title"],
        category=cleaned.get("category"),
        tags=cleaned.get("tags"),
        skus=tuple(dict.fromkeys(s.upper() for s in _listed(meta.get("products", "")))),
        published=bool(cleaned["published"]),
        body=cleaned.get("body") or "",
    )


def read_folder(folder: Path) -> tuple[list[ArticleFile], list[str]]:
    """Every ``*.md`` file under ``folder`` (subfolders included, by path): the articles read and a message
    for each file that could not be (all files are read, so every problem is reported at once)."""
    if not folder.is_dir():
        raise ArticleFileError(f"{folder} is not a folder; give the folder that holds the .md files.")
    articles: list[ArticleFile] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.rglob("*.md")):
        if not path.is_file():
            continue
        shown = path.relative_to(folder).as_posix()
        try:
            if path.stat().st_size > MAX_BYTES:
                raise ArticleFileError(f"{shown}: larger than {MAX_BYTES // 1_000_000} MB; split it.")
            try:
                content = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise ArticleFileError(f"{shown}: not UTF-8 text; save it as UTF-8.") from None
            article = parse(path, content)
        except ArticleFileError as exc:
            problems.append(str(exc).replace(path.name, shown, 1))
            continue
        except OSError as exc:
            problems.append(f"{shown}: cannot be read ({exc.strerror}).")
            continue
        if article.slug in seen:
            problems.append(
                f"{shown}: same name as {seen[article.slug].relative_to(folder).as_posix()}; "
                "file names must differ (they are the articles' keys)."
            )
            continue
        seen[article.slug] = path
        articles.append(article)
    return articles, problems
