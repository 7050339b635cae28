"""The classifier's features: what a message's Kiwi analysis becomes before any head sees it.

Morphemes (form/tag, plus morpheme bigrams so that request endings such as 고치/VV+어/EC+주/VX+세요/EF
are seen together) and character n-grams over the morpheme forms (robust to typos and slang) for the
type; the nouns and hashtags for the topic and the division. `transform` builds the same matrices as
the vectorizers' own transform, faster, for the few messages of a poll.
"""

import weakref
from itertools import chain, repeat
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from textkit import korean


def _token_of(form: str, base: str) -> tuple[str, ...]:
    """The type head's token(s) of one morpheme."""
    if base == "W_URL":
        return ("<url>",)
    if base == "W_MENTION":
        return ("<mention>",)
    if base == "W_EMAIL":
        return ("<email>",)
    if base == "W_HASHTAG":
        return ("<hashtag>", "#" + form.lstrip("#").lower())
    if base == "SN":
        return ("<num>",)
    if base == "SW" and form and form[0] in "ㅋㅎㅠㅜ":
        return (form[0] * 2,)  # ㅋㅋㅋㅋ and ㅋㅋ are the same signal
    if base == "SL":
        return (form.lower() + "/SL",)
    return (f"{form}/{base}",)


class _Morpheme(NamedTuple):
    """What the features read of one (form, tag), worked out once per process: a city's messages
    repeat the same morphemes, and tokens() and cues() read each of them (a third of the features' time)."""
    tokens: tuple[str, ...]
    cue: str | None  # the kind of cue word it is (_CUE_WORDS), if any
    is_punctuation: bool
    shape_form: str  # its lower-case form when it may begin a word shape (_SHAPES), else ""


_morphemes: dict[tuple[str, str], _Morpheme] = {}


def _morpheme(pair: tuple[str, str]) -> _Morpheme:
    found = _morphemes.get(pair)
    if found is None:
        form, tag = pair
        base, lower = _base(tag), form.lower()
        if len(_morphemes) > 200_000:  # bounded, as the other per-process caches
            _morphemes.clear()
        found = _morphemes[pair] = _Morpheme(_token_of(form, base), _CUE_OF.get(lower), base in _PUNCTUATION,
                                             lower if lower in _SHAPES else "")
    return found


def tokens(pairs) -> list[str]:
    """The type head's tokens: one or two per morpheme, the bigrams of those, then the cues."""
    morphemes = [_morpheme(pair) for pair in pairs]
    toks = [tok for m in morphemes for tok in m.tokens]
    bigrams = [a + "+" + b for a, b in zip(toks, toks[1:], strict=False)]
    return toks + bigrams + _cues(pairs, morphemes)


# Cue words of the type, by kind (issue 27): thanks and praise come in more spellings than a corpus
# can list (고마버유, ㄳ, thx, 홧팅, 👍), and one token per kind lets every spelling share what the
# others taught. Matched on the morpheme's form (lower case), whatever Kiwi's tag.
_CUE_WORDS = {
    "<thanks>": {"감사", "고맙", "고마", "고마워", "고마워요", "고마버", "고마버유", "감솨", "캄사", "땡큐", "땡스",
                 "thank", "thanks", "thx", "ty", "ㄳ", "ㄱㅅ", "ㄱㅅㄱㅅ", "ㄳㄳ", "덕분", "덕택", "수고"},
    "<praise>": {"최고", "짱", "굿", "굳", "good", "great", "best", "nice", "awesome", "love", "칭찬", "멋지", "멋있",
                 "훌륭", "훌륭하", "대단", "대단하", "감동", "존경", "박수", "든든", "든든하", "친절", "친절하",
                 "ㅊㅋ", "축하", "👍", "👏", "❤", "❤️", "♥", "💕", "💖", "😍", "🥰", "😊", "🙏", "^^"},
    "<cheer>": {"응원", "화이팅", "파이팅", "홧팅", "fighting", "힘내", "고생", "애쓰", "기대", "드디어", "환영",
                "반갑", "지지"},
    "<problem>": {"불편", "고장", "위험", "짜증", "최악", "엉망", "민원", "문제", "답답", "화나", "열받", "빡치",
                  "ㅡㅡ", ";;", "😡", "😠", "🤬", "😤"},
    "<neg>": {"안", "못", "않", "없", "말"},
    "<wish>": {"바라", "바랍니다", "원하", "좋겠"},
    "<ask>": {"부탁", "요청", "건의", "시정", "조치", "개선", "해결", "제발", "촉구", "please", "pls", "plz"},
}
_CUE_OF = {w: cue for cue, words in _CUE_WORDS.items() for w in words}
# Adjectives whose 'became so' (좋아졌다, 깨끗해졌어요) says a thing got better, or worse.
_BETTER = {"좋", "편하", "편리", "빠르", "깨끗", "밝", "넓", "조용", "안전", "시원", "따뜻", "쾌적", "편", "예쁘",
           "이쁘", "친절", "짧", "낫", "나", "수월", "싸"}
_WORSE = {"나쁘", "불편", "느리", "더럽", "어둡", "좁", "시끄럽", "위험", "비싸", "길", "복잡", "심하", "덥", "춥"}


def cues(pairs) -> list[str]:
    """Cue tokens of a message: the kinds of its cue words, the same kinds again when in its last
    few morphemes (thanks at the end of a post that first told the problem), and what the
    benefactive 주다 does: asked (고쳐 주세요: a request), done (고쳐 주셨네요, 주셔서: thanks for it)."""
    return _cues(pairs, [_morpheme(pair) for pair in pairs])


def _cues(pairs, morphemes: "list[_Morpheme]") -> list[str]:
    out: list[str] = []
    # Where the last six morphemes other than punctuation begin.
    tail, seen = 0, 0
    for i in range(len(morphemes) - 1, -1, -1):
        if not morphemes[i].is_punctuation:
            seen += 1
            if seen == 6:
                tail = i
                break
    for i, m in enumerate(morphemes):
        if m.cue is not None:
            out.append(m.cue)
            if i >= tail and not m.is_punctuation:
                out.append(m.cue + "$")
        if m.shape_form:  # rare: the word shapes are read only around these morphemes
            shape = _shape(pairs, i, m.shape_form)
            if shape:
                out.append(shape)
    return out


_PUNCTUATION = {"SF", "SP", "SS", "SE", "SO"}
_SHAPES = {"지", "잘", "잘하", "주"}


def _base(tag: str) -> str:
    return tag.split("-", 1)[0]


def _shape(pairs, i: int, form: str) -> str:
    tag = _base(pairs[i][1])
    if form == "지" and tag == "VX" and i >= 2 and _base(pairs[i - 1][1]) == "EC":
        # 좋아지다, 깨끗해지다: the adjective before the 어/아 (or its root before 하).
        j = i - 2 if _base(pairs[i - 2][1]) != "XSA" else i - 3
        stem = pairs[j][0].lower() if j >= 0 else ""
        return "<better>" if stem in _BETTER else "<worse>" if stem in _WORSE else "<became>"
    if (form == "잘하" and tag == "VV") or (form == "잘" and i + 1 < len(pairs) and pairs[i + 1][0].lower() == "하"):
        return "<well-done>"
    if form == "주" and tag == "VX":
        # The endings after 주: a past (었) or 어서/서 is a thing done; a final ending, a request.
        for nf, nt in pairs[i + 1:i + 4]:
            nt = _base(nt)
            if (nt == "EP" and nf in ("었", "였", "았")) or (nt == "EC" and nf in ("어서", "서", "시어서")):
                return "<done-for-us>"
            if nt == "EF":
                return "<asked>"
    return ""


# Forms without URLs, mentions and e-mail addresses: their characters say nothing about the message.
_NO_CHARS = {"W_URL", "W_MENTION", "W_EMAIL"}


def char_text(pairs) -> str:
    return " ".join(f for f, t in pairs if _base(t) not in _NO_CHARS)


def identity(x):
    # The type vectorizer's analyzer (its documents are token lists already); every stored model
    # pickles it by this module and name.
    return x


def text_key(pairs) -> str:
    """Normalised identity of a text, for remembering staff corrections of exactly that text."""
    skip = {"W_URL", "W_MENTION", "SF", "SP", "SS", "SE", "SO", "SW", "W_EMOJI"}
    return " ".join(f.lower() for f, t in pairs if t.split("-", 1)[0] not in skip)


_TOPIC_TAGS = {"NNG", "NNP", "XR", "SL", "SH", "W_HASHTAG"}


def topic_terms(pairs) -> list[str]:
    # The topic lives in the nouns; endings and verbs (고치다, 감사하다) are shared by every topic.
    # korean.search_terms also splits compounds and hashtags (#지하철고장 -> 지하철, 고장).
    return korean.search_terms(pairs, _TOPIC_TAGS)


# Per fitted char_wb vectorizer: each word's in-vocabulary n-gram indices. Words repeat across
# messages (버스, 고장, 주세요), so the n-grams of a word are cut and looked up once per process.
_word_ngrams: "weakref.WeakKeyDictionary[TfidfVectorizer, dict[str, tuple[int, ...]]]" = weakref.WeakKeyDictionary()


def _ngram_ids(word: str, vocabulary: dict, min_n: int, max_n: int) -> tuple[int, ...]:
    # The n-grams of sklearn's _char_wb_ngrams for one word, kept when they are in the vocabulary.
    w = " " + word + " "
    out = []
    for n in range(min_n, max_n + 1):
        if len(w) < n:  # a short word counts once, whole
            grams = [w]
        else:
            grams = [w[i:i + n] for i in range(len(w) - n + 1)]
        out.extend(vocabulary[g] for g in grams if g in vocabulary)
        if len(w) <= n:
            break
    return tuple(out)


def transform(vec: TfidfVectorizer, docs: list) -> "sp.csr_matrix":
    """vec.transform(docs), the same matrix, built faster for the two analyzers used here:
    identity (the docs are token lists) and "char_wb" (no per-word n-gram work)."""
    if vec.binary or vec.analyzer not in (identity, "char_wb"):
        return vec.transform(docs)
    if vec.analyzer is identity:
        # Every token's column (-1: not in the vocabulary) in one pass in C, the rows cut by numpy.
        lengths = [len(tokens) for tokens in docs]
        ids = np.fromiter(map(vec.vocabulary_.get, chain.from_iterable(docs), repeat(-1)), dtype=np.int64,
                          count=sum(lengths))
        known = ids >= 0
        per_doc = np.bincount(np.repeat(np.arange(len(docs)), lengths)[known], minlength=len(docs))
        return _tfidf(vec, ids[known], np.concatenate(([0], np.cumsum(per_doc))), len(docs))
    if not _plain_char_wb(vec):
        return vec.transform(docs)
    word_ids = _word_ids(vec)
    indptr, indices = [0], []
    for doc in docs:
        for word in (doc.lower() if vec.lowercase else doc).split():
            indices.extend(word_ids(word))
        indptr.append(len(indices))
    return _tfidf(vec, indices, indptr, len(docs))


def _plain_char_wb(vec: TfidfVectorizer) -> bool:
    """A char_wb vectorizer whose words are its documents' whitespace-split words (lowered if it lowers)."""
    return (vec.analyzer == "char_wb" and not vec.binary and vec.preprocessor is None and not vec.strip_accents
            and vec.tokenizer is None)


def _word_ids(vec: TfidfVectorizer):
    """word -> its in-vocabulary n-gram indices under the fitted char_wb `vec`, cached per process."""
    cache = _word_ngrams.setdefault(vec, {})
    if len(cache) > 200_000:  # bounded: a city's inbox has a vocabulary, not an unbounded one
        cache.clear()
    vocabulary, (min_n, max_n) = vec.vocabulary_, vec.ngram_range

    def word_ids(word: str) -> tuple[int, ...]:
        ids = cache.get(word)
        if ids is None:
            ids = cache[word] = _ngram_ids(word, vocabulary, min_n, max_n)
        return ids
    return word_ids


# Per fitted char_wb vectorizer: each morpheme's n-gram indices (those of the words of its lower-case
# form; none for a URL, mention or e-mail address), for char_matrix.
_pair_ngrams: "weakref.WeakKeyDictionary[TfidfVectorizer, dict[tuple[str, str], tuple[int, ...]]]" = \
    weakref.WeakKeyDictionary()


def char_matrix(vec: TfidfVectorizer, pairs_list) -> "sp.csr_matrix":
    """transform(vec, [char_text(p) for p in pairs_list]), the same matrix, read from each morpheme's
    cached n-gram indices: no text joined, lowered and split again for every message."""
    if not _plain_char_wb(vec):
        return transform(vec, [char_text(p) for p in pairs_list])
    cache = _pair_ngrams.setdefault(vec, {})
    if len(cache) > 200_000:  # bounded, as the per-word cache
        cache.clear()
    word_ids = _word_ids(vec)
    indptr, indices = [0], []
    for pairs in pairs_list:
        for pair in pairs:
            ids = cache.get(pair)
            if ids is None:
                form, tag = pair
                words = (form.lower() if vec.lowercase else form).split()
                ids = () if _base(tag) in _NO_CHARS else tuple(i for w in words for i in word_ids(w))
                cache[pair] = ids
            indices.extend(ids)
        indptr.append(len(indices))
    return _tfidf(vec, indices, indptr, len(pairs_list))


def _tfidf(vec: TfidfVectorizer, indices: "list[int] | np.ndarray", indptr: "list[int] | np.ndarray",
           n_docs: int) -> "sp.csr_matrix":
    # One entry per occurrence; sum_duplicates turns them into counts (in C, not in a Python loop).
    x = sp.csr_matrix((np.ones(len(indices), dtype=vec.dtype), np.asarray(indices, dtype=np.int32),
                       np.asarray(indptr, dtype=np.int32)), shape=(n_docs, len(vec.vocabulary_)))
    x.sum_duplicates()
    # vec._tfidf.transform(x), the same operations without its input validation, which cost more than
    # the arithmetic on a poll's few messages (four matrices per batch).
    tfidf = vec._tfidf
    if tfidf.norm not in ("l2", None):
        return tfidf.transform(x, copy=False)
    if tfidf.sublinear_tf:
        np.log(x.data, x.data)
        x.data += 1.0
    if hasattr(tfidf, "idf_"):
        x.data *= tfidf.idf_[x.indices]
    if tfidf.norm == "l2":
        inplace_csr_row_normalize_l2(x)
    return x


def vectorizers():
    return (TfidfVectorizer(analyzer=identity, sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2))
