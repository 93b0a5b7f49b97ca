"""``sfa kb search|show|list``: the knowledge base on this laptop, offline (``sfa central kb import DIR``
is in :mod:`sfa_desktop.cli.central.kb`).

Drafts (unpublished articles) are shown to those who may write articles (managers, admins, and the user of a
laptop not connected to a central store), like in the window.
"""

from __future__ import annotations

import argparse
import sys
import textwrap

from sfa_desktop.cli.common import CliError, Commands, open_store
from sfa_desktop.core.kb import articles as kb
from sfa_desktop.core.kb import mdtext
from sfa_desktop.ops import kb as kb_ops
from sfa_desktop.store import kb_search

WIDTH = 100


def _color() -> bool:
    return sys.stdout.isatty()


def cmd_search(args: argparse.Namespace) -> int:
    words = " ".join(args.text)
    with open_store(args) as store:
        hits = kb_ops.find(store, words, args.category, args.tag, kb_ops.may_author(store), limit=args.limit)
    if not hits:
        sys.stderr.write(f"No article matches '{words}'.\n")
        return 0
    color = _color()
    for hit in hits:
        title = kb_search.highlight_terminal(hit.title_marked, color=color)
        where = " · ".join(part for part in (hit.category, hit.tags) if part)
        draft = " [draft]" if not hit.published else ""
        print(
            f"{title}{draft}  ({where})  {hit.article_id[:8]}"
            if where
            else f"{title}{draft}  {hit.article_id[:8]}"
        )
        for line in _wrap_marked(hit.snippet, WIDTH - 4):
            print("    " + kb_search.highlight_terminal(line, color=color))
    return 0


def _wrap_marked(marked: str, width: int) -> list[str]:
    """Marked text wrapped to lines, each line's marks balanced (a highlight never runs past its line)."""
    lines = []
    open_mark = False
    for wrapped in textwrap.wrap(marked, width) or [""]:
        line = kb_search.MARK_ON + wrapped if open_mark else wrapped
        open_mark = line.rfind(kb_search.MARK_ON) > line.rfind(kb_search.MARK_OFF)
        lines.append(line + (kb_search.MARK_OFF if open_mark else ""))
    return lines


def cmd_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        try:
            article = kb_ops.load(store, kb_ops.resolve(store, args.ref))
        except kb.ArticleNotFound as exc:
            raise CliError(str(exc)) from None
    bold = ("\x1b[1m", "\x1b[0m") if _color() else ("", "")
    print(f"{bold[0]}{article.title}{bold[1]}" + ("  [draft]" if not article.published else ""))
    facts = []
    if article.category:
        facts.append(f"Category: {article.category}")
    if article.tags:
        facts.append("Tags: " + ", ".join(article.tags))
    if article.products:
        facts.append("Products: " + ", ".join(f"{sku} {name}" for sku, name in article.products))
    if article.updated_at is not None:
        facts.append(f"Updated {article.updated_at.astimezone():%Y-%m-%d}")
    if article.author:
        facts.append(f"By {article.author}")
    for line in textwrap.wrap(" · ".join(facts), WIDTH):
        print(line)
    print(f"ID {article.id}")
    print()
    if args.markdown:
        print(article.body)
        return 0
    found = mdtext.blocks(article.body)
    for number, block in enumerate(found):
        if block.kind == "heading":
            print(f"{bold[0]}{block.text}{bold[1]}")
        elif block.kind == "code":
            print(textwrap.indent(block.text, "    "))
        else:
            prefix = {"item": "  • ", "quote": "  │ "}.get(block.kind, "")
            wrapped = textwrap.wrap(block.text, WIDTH - len(prefix)) or [""]
            print(prefix + wrapped[0])
            for line in wrapped[1:]:
                print(" " * len(prefix) + line)
        following = found[number + 1] if number + 1 < len(found) else None
        if following is not None and not (block.kind == following.kind and block.kind in ("item", "quote")):
            print()
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.category is None and args.tag is None and not args.all:
            shown = kb_ops.overview(store)
            cats, popular = shown.categories, shown.tags
            print(f"{shown.count} articles.")
            if cats:
                print("\nCategories:")
                for name, number in cats:
                    print(f"  {name} ({number})")
            if popular:
                print("\nTags:")
                print(
                    textwrap.fill(
                        ", ".join(f"{t} ({n})" for t, n in popular),
                        WIDTH,
                        initial_indent="  ",
                        subsequent_indent="  ",
                    )
                )
            print("\n'sfa kb list --category NAME', '--tag NAME' or '--all' lists the articles.")
            return 0
        found = kb_ops.browse(store, args.category, args.tag, kb_ops.may_author(store))
    if not found:
        sys.stderr.write("No articles.\n")
        return 0
    for summary in found:
        draft = " [draft]" if not summary.published else ""
        print(f"{summary.id[:8]}  {summary.title}{draft}  ({summary.category or 'no category'})")
    return 0


def register(commands: Commands) -> None:
    """Add ``sfa kb search|show|list``."""
    common = commands.data_dir
    commands.group(
        "kb",
        parents=[common],
        help="search and read the knowledge base",
        description="Search and read the knowledge base on this laptop (works offline).",
    )
    search = commands.command(
        "kb search",
        parents=[common],
        help="find articles",
        description="Find articles by their words (title, tags, category, text); each word matches as a "
        "prefix; articles with every word first, then those with some; with the passage that matches.",
    )
    search.add_argument("text", nargs="+", metavar="TEXT", help="words to look for")
    search.add_argument("--limit", type=int, default=10, metavar="N", help="at most N articles (10)")
    search.add_argument("--category", default=None, metavar="NAME", help="only articles of this category")
    search.add_argument("--tag", default=None, metavar="TAG", help="only articles with this tag")
    search.set_defaults(handler=cmd_search)
    show = commands.command(
        "kb show",
        parents=[common],
        help="show one article",
        description="Show one article: its facts and its text.",
    )
    show.add_argument("ref", metavar="REF", help="the article's id, id prefix, title or file name")
    show.add_argument("--markdown", action="store_true", help="print the Markdown source as written")
    show.set_defaults(handler=cmd_show)
    lister = commands.command(
        "kb list",
        parents=[common],
        help="categories and tags, or the articles of one",
        description="Without options: the categories and tags with their number of articles. With "
        "--category, --tag or --all: the articles, by title.",
    )
    lister.add_argument("--category", default=None, metavar="NAME")
    lister.add_argument("--tag", default=None, metavar="TAG")
    lister.add_argument("--all", action="store_true", help="every article")
    lister.set_defaults(handler=cmd_list)
