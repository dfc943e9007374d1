"""Is an English line site text (boilerplate) or content?

A web page's translation carries the site around the article: its name, navigation ("See also",
"To read also", "You may like"), dates and timestamps, related-article titles, copyright and
disclaimer lines.  `SiteTextModel.judge(line)` says whether a line looks like that, and why:

- *navigation words*: a short line (no final full stop) opened by a phrase of `NAVIGATION`
  ("Share" but not "Share prices fell."), a line opened by one of `NAVIGATION_PREFIXES`
  ("Source: ...", "Now you can see ..."), or a copyright mark;
- *a date or timestamp line*: mostly digits of a date or time (`2022-01-09T18:38:59.130Z`,
  `News/Politics 2024-03-07`);
- *a link title*: the line right after a "See also"-like line, itself without a final full stop;
- *repeated across documents*: with several documents, a line (digits folded) found in at least
  `min_docs` of them and `min_share` of all (document frequency: the site's template);
- *a short label* (only where the French side was checked and has no counterpart for it): at most
  `label_words` words and no final `.`, `!` or `?` (a heading, a byline, the site's name).

Content with no French counterpart that is none of these is an addition.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

# Whole-line navigation: the line is one of these (maybe with a count or a date after it).
NAVIGATION = (
    "see also", "read also", "to read also", "also read", "read more", "read next", "you may like",
    "you may also like", "related", "related articles", "related stories", "latest", "latest news", "trends",
    "trending", "most read", "most popular", "top stories", "more news", "share", "share this article",
    "subscribe", "sign up", "log in", "newsletter", "advertisement", "sponsored", "cookies", "cookie settings",
    "privacy", "privacy policy", "terms of use", "terms of service", "all rights reserved", "copyright",
    "comments", "leave a comment", "print", "home", "menu", "search", "back to top", "next article",
    "previous article", "breaking news", "photo gallery", "watch the video", "listen to this article",
)
# Line openings that mark site text whatever follows.
NAVIGATION_PREFIXES = (
    "now you can see", "source:", "photo:", "credit:", "tags:", "the information on this site",
    "the inclusion of any links", "all news articles", "subscribe to", "sign up for", "follow us",
    "click here", "translated automatically", "published ", "updated ", "posted ", "home >",
)
_NAV = re.compile(r"^\W*(?:" + "|".join(re.escape(p) for p in sorted(NAVIGATION, key=len, reverse=True)) + r")\b", re.I)
_NAV_PREFIX = re.compile(r"^\W*(?:" + "|".join(re.escape(p) for p in NAVIGATION_PREFIXES) + ")", re.I)
_COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}", re.I)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2}:\d{2}")
_LINK_INTRO = re.compile(r"^\W*(?:see also|read also|to read also|also read|read more|related|you may like)\W*$", re.I)
_FINAL_STOP = re.compile(r"[.!?][\"”»’')\]]*$")
_WORD = re.compile(r"[^\W\d_]+")


def fold(line: str) -> str:
    """The form lines are counted under: lowercase, digits as 0, spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"\d", "0", line.lower())).strip()


@dataclass
class SiteTextModel:
    """Judges lines of English; `documents` (each a list of lines) feed the document frequency."""

    documents: Iterable[Iterable[str]] = ()
    min_docs: int = 2
    min_share: float = 0.1
    label_words: int = 6
    counts: Counter[str] = field(init=False)
    n_docs: int = field(init=False)

    def __post_init__(self) -> None:
        self.counts = Counter()
        self.n_docs = 0
        for lines in self.documents:
            self.counts.update({fold(line) for line in lines if line.strip()})
            self.n_docs += 1

    def judge(self, line: str, previous_line: str = "", unmatched: bool = False) -> str | None:
        """Why `line` is site text, or None for content."""
        text = line.strip()
        if not text:
            return None
        letters = _WORD.findall(text)
        short_label = len(letters) <= self.label_words and not _FINAL_STOP.search(text)
        if _NAV_PREFIX.match(text) or _COPYRIGHT.search(text) or (_NAV.match(text) and short_label):
            return "navigation words"
        dates = _DATE.findall(text)
        if dates and len(" ".join(letters)) <= 24:
            return "a date or timestamp line"
        if _LINK_INTRO.match(previous_line.strip()) and not text.endswith("."):
            return "a related-article title after a link line"
        if self.n_docs >= 2:
            df = self.counts[fold(text)]
            if df >= self.min_docs and df >= self.min_share * self.n_docs:
                return f"repeated in {df} of {self.n_docs} documents"
        if unmatched and short_label:
            return "a short label with no French counterpart"
        return None
