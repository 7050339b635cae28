"""Korean morphological analysis (kiwipiepy) for classification and full-text search.

One Kiwi per process, created lazily: loading the model takes about a second, and a Kiwi created
before a fork (Celery prefork, gunicorn preload) must not be reused in the child because its
worker threads do not survive the fork.
"""

import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable, Sequence

from .textclean import sanitize_text

MAX_CHARS = 5000  # analysis is truncated here; a 100 KB text costs no more than a long post
MAX_TERM = 100  # PostgreSQL refuses lexemes over 2047 bytes; nobody searches for such a word

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_kiwi = None
_kiwi_pid = None

Pair = tuple[str, str]
# What analyses a batch of texts: analyze_batch, or EarlyAnalysis.analyze_batch.
Analyse = Callable[[Sequence[str]], list[list[Pair]]]

# Content morphemes kept for search. NNB (것, 수, 중) and the particles/endings carry no topic.
_NOUN_TAGS = {"NNG", "NNP", "NR"}
_STEM_TAGS = {"VV", "VA"}
_KEEP_AS_IS = {"XR", "SN", "SH"}


def get_kiwi():
    global _kiwi, _kiwi_pid
    pid = os.getpid()
    if _kiwi is None or _kiwi_pid != pid:
        with _lock:
            if _kiwi is None or _kiwi_pid != pid:
                from kiwipiepy import Kiwi

                # num_workers >= 1 keeps the batch (asynchronous) API available.
                _kiwi = Kiwi(num_workers=max(1, min(4, os.cpu_count() or 1)))
                _kiwi_pid = pid
    return _kiwi


def clean(text) -> str:
    """Make any input safe to analyse: str, no control characters, at most MAX_CHARS."""
    return sanitize_text(text if text is None else str(text)[:MAX_CHARS]).strip()


def analyze_batch(texts: Sequence[str]) -> list[list[Pair]]:
    """(form, tag) pairs per text, in order. Uses Kiwi's multi-threaded batch API."""
    cleaned = [clean(t) for t in texts]
    out: list[list[Pair]] = [[] for _ in cleaned]
    todo = [i for i, t in enumerate(cleaned) if t]
    if not todo:
        return out
    kiwi = get_kiwi()
    # The result is a lazy iterator fed by Kiwi's thread pool: consume it under the lock so two
    # threads of one process never interleave on the same Kiwi.
    with _lock:
        results = list(kiwi.tokenize(cleaned[i] for i in todo))
    for i, tokens in zip(todo, results, strict=True):
        out[i] = [(t.form, t.tag) for t in tokens]
    return out


def analyze(text: str) -> list[Pair]:
    return analyze_batch([text])[0]


class EarlyAnalysis:
    """Analyses texts in a background thread as they arrive, while the caller waits for more: a poll
    hands over each page of a platform's answer as soon as it is parsed, and Kiwi works on it during
    the next page's round trip instead of after the last one.

        early = EarlyAnalysis()
        try:
            ... early.add(page_texts) ...            # any number of times
            pairs = early.analyze_batch(all_texts)   # = analyze_batch(all_texts)
        finally:
            early.close()

    `analyze_batch` gives exactly what the module's `analyze_batch` gives (the same function ran on
    the same cleaned text): what was analysed early is reused, anything else (a text never added,
    or a failure in the background) is analysed then. Each text added is analysed once, duplicates
    included, as they would be in one batch.
    """

    def __init__(self):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._done: dict[str, list[Pair]] = {}
        self._thread: threading.Thread | None = None

    def add(self, texts: Iterable[str]) -> None:
        texts = list(texts)
        if not texts:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kiwi-early", daemon=True)
            self._thread.start()
        self._queue.put(texts)

    def _run(self) -> None:
        while (texts := self._queue.get()) is not None:
            try:
                for text, pairs in zip(texts, analyze_batch(texts), strict=True):
                    self._done[clean(text)] = pairs
            except Exception:  # noqa: BLE001 - analysed again, in the caller's thread, by analyze_batch
                logger.warning("early Korean analysis failed; the texts are analysed with the batch", exc_info=True)

    def close(self) -> None:
        """Wait for what was added (safe to call more than once)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def analyze_batch(self, texts: Sequence[str]) -> list[list[Pair]]:
        self.close()
        keys = [clean(t) for t in texts]
        missing = [i for i, key in enumerate(keys) if key not in self._done]
        out = [list(self._done.get(key, ())) for key in keys]  # a list of its own per text, as analyze_batch
        for i, pairs in zip(missing, analyze_batch([texts[i] for i in missing]), strict=True):
            out[i] = pairs
        return out


def word_shape(word: str) -> tuple[tuple[str, str, bool], ...]:
    """(form, tag, out-of-vocabulary) of each morpheme of one short word, for masking's name check:
    Kiwi tells a dictionary noun (시장, 고객) from a proper noun (김철수) or an unknown word (윤서연)."""
    word = clean(word)[:20]
    if not word:
        return ()
    kiwi = get_kiwi()
    with _lock:
        tokens = kiwi.tokenize(word)
    return tuple((t.form, t.tag, bool(t.oov)) for t in tokens)


def _base_tag(tag: str) -> str:
    # Irregular conjugations are tagged "VA-I", "VV-R"...
    return tag.split("-", 1)[0]


def _plain_term(form: str, tag: str) -> tuple[str, str] | None:
    """(term, kind) of a content morpheme, None for any other; kind says how it may be split further."""
    base = _base_tag(tag)
    if base in _NOUN_TAGS:
        return form, "noun" if len(form) >= 3 else ""
    if base in _STEM_TAGS or base in _KEEP_AS_IS:
        return form, ""
    if base == "SL":
        return form.lower(), ""
    if base == "W_HASHTAG":
        body = form.lstrip("#").strip()
        if body:
            return body, "hashtag"
    return None


def _plain_terms(pairs: Iterable[Pair]) -> list[tuple[str, str]]:
    """(term, kind) for each content morpheme."""
    return [term for form, tag in pairs if (term := _plain_term(form, tag)) is not None]


_parts_cache: dict[tuple[str, str], tuple[str, ...]] = {}


def _parts(keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, ...]]:
    """Sub-terms of compound nouns and hashtags, one Kiwi batch for all uncached ones.

    Kiwi splits a compound by context: "지하철역" alone is one noun, "지하철역에서" is 지하철+역.
    Re-analysing the noun followed by a particle yields the split, so a search for either form
    finds the other. Hashtag bodies ("#따릉이고장") are analysed as text.
    """
    todo = sorted({k for k in keys if k not in _parts_cache})
    if todo:
        texts = [word + "에서" if kind == "noun" else word for word, kind in todo]
        for key, pairs in zip(todo, analyze_batch(texts), strict=True):
            subs = tuple(t for t, _ in _plain_terms(pairs) if t != key[0])
            if len(_parts_cache) > 50_000:  # bounded: the vocabulary of a city's inbox is not
                _parts_cache.clear()
            _parts_cache[key] = subs
    return {k: _parts_cache.get(k, ()) for k in keys}


# Each morpheme's base tag and search terms ([the term, *its parts]; () when it is no term), worked
# out once per process: the ingest reads every message's terms twice (the search document, the
# classifier's topic terms) and a city's messages repeat the same words.
_group_cache: dict[Pair, tuple[str, tuple[str, ...]]] = {}


def _groups_of(pairs: list[Pair]) -> dict[Pair, tuple[str, tuple[str, ...]]]:
    plain = {pair: _plain_term(*pair) for pair in set(pairs)}
    parts = _parts([term for term in plain.values() if term is not None and term[1]])
    out = {}
    for pair, term_kind in plain.items():
        group: list[str] = []
        if term_kind is not None:
            term, kind = term_kind
            group = [term.lower() if kind == "hashtag" else term]
            for sub in parts.get(term_kind, ()) if kind else ():
                if sub not in group:
                    group.append(sub)
            group = [t for t in group if t.strip() and len(t) <= MAX_TERM]
        out[pair] = (_base_tag(pair[1]), tuple(group))
    if len(_group_cache) > 100_000:  # bounded, as _parts_cache
        _group_cache.clear()
    _group_cache.update(out)
    return out


def _term_groups(pairs: Iterable[Pair], tags: frozenset[str] | set[str] | None = None) -> list[tuple[str, ...]]:
    """One group per content morpheme: (the term, *its parts); only the morphemes whose base tag is
    in `tags` when given."""
    pairs = list(pairs)
    get = _group_cache.get
    found = [get(pair) for pair in pairs]
    if None in found:
        computed = _groups_of([pair for pair, f in zip(pairs, found, strict=True) if f is None])
        found = [f if f is not None else computed[pair] for pair, f in zip(pairs, found, strict=True)]
    if tags is None:
        return [group for _base, group in found if group]  # type: ignore[misc]
    return [group for base, group in found if group and base in tags]  # type: ignore[misc]


def search_terms(pairs: Iterable[Pair], tags: frozenset[str] | set[str] | None = None) -> list[str]:
    """Content morphemes of one analysed text plus the parts of its compounds, in order; only those
    of the morphemes whose base tag (NNG, not NNG-I) is in `tags` when given."""
    return [t for group in _term_groups(pairs, tags) for t in group]


def document_from(pairs) -> str:
    """Space-joined search terms of an analysed text; stored with to_tsvector('simple', ...)."""
    return " ".join(search_terms(pairs))


def search_document(text: str) -> str:
    return document_from(analyze(text))


def _quote(term: str) -> str:
    # Inside a quoted tsquery lexeme only the quote and the backslash are special.
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def search_query(q: str) -> str:
    """A raw tsquery for SearchQuery(..., search_type="raw", config="simple").

    Every word must match, either whole or by all of its parts: "지하철역" becomes
    ('지하철역' | '지하철' & '역'). "" when the query has no content term: the caller must then
    not filter by full-text.
    """
    clauses: list[str] = []
    for group in _term_groups(analyze(q)):
        whole, parts = group[0], group[1:]
        clause = _quote(whole)
        if parts:
            clause = "(" + clause + " | " + " & ".join(_quote(p) for p in parts) + ")"
        if clause not in clauses:
            clauses.append(clause)
    return " & ".join(clauses)
