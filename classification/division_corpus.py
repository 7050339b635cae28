"""The division corpus: divisions_train.tsv and divisions_heldout.tsv built from the hand-written
corpus/raw/*.txt (`manage.py build_division_corpus`).

A raw line is `division[/topic] type text`: type is s (support), c (complaint) or o (opinion); the
topic defaults to the division's field. The receiving account (its division and field) is the first @mention of a city
account in the text, or a leading `>handle ` (a comment on a Facebook page, no mention in the text).
Near-duplicates (same normalised text, or character-trigram Jaccard >= 0.6) are kept on one side
of the split, and a held-out row resembling a row of the legacy corpus (messages.tsv, which trains
the type and topic heads) moves to the training side: the held-out figures measure unseen texts.
Deterministic: the split is a hash of the text, so adding a line does not reshuffle the others.
"""

import csv
import hashlib
import re
from pathlib import Path

from departments.seed import ORG_CHART

from .training import CORPUS_DIR


class CorpusError(ValueError):
    """A raw line the builder cannot read."""


HELDOUT_SHARE = 0.2
TOPIC_OF_BUREAU = {"mayor": "administration", "communication": "administration", "transport": "transport",
                   "safety": "safety", "fire": "safety", "housing": "housing", "culture": "culture",
                   "tourism": "culture", "welfare": "welfare", "environment": "environment",
                   "parks": "environment", "water": "environment", "economy": "economy",
                   "administration": "administration"}
TYPES = {"s": "support", "c": "complaint", "o": "opinion"}
BUREAU = {code: bureau for bureau, _ko, _en, divs in ORG_CHART for code, _k, _e in divs}
MENTION = re.compile(r"@([A-Za-z0-9_.]+)")


def other_field(row) -> bool:
    """Sent to the account of a field (not the city's general or a district account) other than
    the field of the division that must answer."""
    field = row["account_field"]
    return field not in ("", "general", "district") and field != TOPIC_OF_BUREAU[BUREAU[row["division"]]]


def norm(text: str) -> str:
    text = re.sub(r"https?://\S+|@\S+|#", " ", text.lower())
    return re.sub(r"[\W_]+", "", text)


def grams(text: str) -> set:
    n = norm(text)
    return {n[i:i + 3] for i in range(max(1, len(n) - 2))}


def similar(a: set, b: set) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= 0.6


def parse(path: Path, handles: dict[str, tuple[str, str]]):
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, kind, text = line.split(" ", 2)
        division, _, topic = label.partition("/")
        if division not in BUREAU or kind not in TYPES:
            raise CorpusError(f"{path.name}:{lineno}: unknown label {label!r} {kind!r}")
        topic = topic or TOPIC_OF_BUREAU[BUREAU[division]]
        account = ("", "")
        if text.startswith(">"):
            handle, text = text[1:].split(" ", 1)
            account = handles[handle.lower()]
        else:
            for m in MENTION.finditer(text):
                if m.group(1).lower().rstrip(".") in handles:
                    account = handles[m.group(1).lower().rstrip(".")]
                    break
        yield {"text": text.strip(), "type": TYPES[kind], "topic": topic, "division": division,
               "account_division": account[0], "account_field": account[1]}


def with_other_field(row: dict) -> dict:
    return {**row, "other_field": "1" if other_field(row) else "0"}


def build(handles: dict[str, tuple[str, str]], corpus_dir: Path = CORPUS_DIR, out_dir: Path | None = None) -> str:
    """Write divisions_train.tsv and divisions_heldout.tsv (into `out_dir`, by default the corpus
    itself) from corpus_dir/raw/*.txt; `handles`: account handle (lower case) -> (owner division
    code, field). Returns a one-line summary."""
    out_dir = out_dir or corpus_dir
    rows, seen = [], set()
    for path in sorted((corpus_dir / "raw").glob("*.txt")):
        for row in parse(path, handles):
            if norm(row["text"]) in seen:
                continue
            seen.add(norm(row["text"]))
            rows.append(row)
    # Near-duplicate groups (union-find over trigram similarity): one group, one side of the split.
    g = [grams(r["text"]) for r in rows]
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(rows)):
        for j in range(i):
            if similar(g[i], g[j]):
                parent[find(i)] = find(j)
    with open(corpus_dir / "messages.tsv", encoding="utf-8") as f:
        legacy = [grams(r["text"]) for r in csv.DictReader(f, delimiter="\t")]
    train, heldout = [], []
    for i, row in enumerate(rows):
        root = rows[find(i)]["text"]
        h = int(hashlib.sha1(root.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        if h < HELDOUT_SHARE and not any(similar(g[i], lg) for lg in legacy):
            heldout.append(row)
        else:
            train.append(row)
    # Whole groups go to training if any member resembles the legacy corpus.
    held_roots = {find(i) for i, r in enumerate(rows) if r in heldout}
    moved = [r for i, r in enumerate(rows) if r in train and find(i) in held_roots]
    if moved:
        heldout = [r for i, r in enumerate(rows) if r in heldout and
                   find(i) not in {find(rows.index(m)) for m in moved}]
        train = [r for r in rows if r not in heldout]
    for name, part in (("divisions_train.tsv", train), ("divisions_heldout.tsv", heldout)):
        with open(out_dir / name, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, ["text", "type", "topic", "division", "account_division", "account_field",
                                   "other_field"], delimiter="\t",
                               lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            w.writeheader()
            w.writerows(with_other_field(r) for r in part)
    cross = sum(1 for r in rows if other_field(r))
    return (f"{len(rows)} messages: {len(train)} train, {len(heldout)} held out; "
            f"{cross} ({cross / len(rows):.0%}) sent to an account of another field")
