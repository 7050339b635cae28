"""Masking benchmark: what masking costs per feed item, per page and per ingested message.

    .venv/bin/python bench/masking.py [--n 3000]

No database. Texts: the classifier's corpus plus simulator messages (ordinary public text), and the
same with personal data mixed in (a phone number, an RRN, an e-mail, a plate, an address, a name
in context). Measured in the same run:
  mask_text   the public form of a whole text (message page); baselines: html.escape of the same
              text (every render does it anyway) and one Kiwi analysis of it (what a render must
              not cost: masking runs per feed item)
  mask_head   the feed's 300-character preview
  100 KB      one very long message, masked whole
  Kiwi        the name check's cold start (first word), the words looked up over all texts, and a
              second pass (memoised: no analysis per render)
  ingest      the extra work of a public (masked) search index at ingest: masking every text and
              analysing again only the texts masking changed; baseline: the Korean analysis
              ingest does anyway
"""

import argparse
import csv
import html
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from accounts.connectors.simulator_texts import compose  # noqa: E402
from textkit import korean, masking  # noqa: E402

PII = [
    "연락처 010-{a}-{b}", "+82 10 {a} {b}로 연락", "주민번호 {r}-1{c}", "메일 user{c}@naver.com",
    "차량 {p}가{a} 불법주차", "합정동 {s}-{t}번지 앞", "래미안 {s}동 {a}호", "{n} 씨가 도와주셨어요",
    "담당자 {n} 주무관", "카드 {a}-{b}-{a}-{b}", "계좌 110-{s}-{c}",
]
NAMES = ["김민준", "이서연", "박지호", "최하은", "정도윤", "강서아", "조예준", "윤지유", "장시우", "임수아"]


def ordinary_texts(n: int) -> list[str]:
    with (ROOT / "classification" / "corpus" / "messages.tsv").open(encoding="utf-8") as f:
        corpus = [row["text"] for row in csv.DictReader(f, delimiter="\t")]
    rng = random.Random(3)
    return corpus + [compose(rng, "seoulcity").text for _ in range(max(0, n - len(corpus)))]


def with_pii(texts: list[str]) -> list[str]:
    rng = random.Random(4)
    out = []
    for text in texts:
        piece = rng.choice(PII).format(
            a=rng.randint(1000, 9999), b=rng.randint(1000, 9999), c=rng.randint(100000, 999999),
            r=f"{rng.randint(50, 99)}0{rng.randint(1, 9)}{rng.randint(10, 28)}", p=rng.randint(10, 99),
            s=rng.randint(100, 999), t=rng.randint(1, 99), n=rng.choice(NAMES))
        out.append(f"{text} {piece}")
    return out


def per_text(func, texts, repeat=3) -> float:
    """Best of `repeat` passes, microseconds per text."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            func(text)
        best = min(best, time.perf_counter() - start)
    return best / len(texts) * 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    plain = ordinary_texts(args.n)
    mixed = with_pii(plain)

    start = time.perf_counter()
    korean.get_kiwi()
    masking.mask_text("홍길동 씨")  # the first name check loads Kiwi's model
    cold = time.perf_counter() - start
    info = masking._word_shape.cache_info()
    for text in plain + mixed:
        masking.mask_text(text)
    looked_up = masking._word_shape.cache_info().misses - info.misses
    before = masking._word_shape.cache_info().misses
    for text in plain + mixed:
        masking.mask_text(text)
    again = masking._word_shape.cache_info().misses - before

    print(f"{len(plain)} ordinary texts (mean {sum(map(len, plain)) / len(plain):.0f} chars), "
          f"{len(mixed)} with personal data")
    escape = per_text(html.escape, plain)
    analysis = per_text(lambda t: korean.analyze_batch([t]), plain[:300], 1)
    rows = [
        ("html.escape (baseline)", escape),
        ("Kiwi analysis (baseline)", analysis),
        ("mask_text, ordinary", per_text(masking.mask_text, plain)),
        ("mask_text, with PII", per_text(masking.mask_text, mixed)),
        ("mask_head 300, with PII", per_text(lambda t: masking.mask_head(t, 301), mixed)),
    ]
    for name, us in rows:
        print(f"  {name:26s} {us:8.1f} µs/text   {us / escape:6.0f}× escape   {us / analysis:6.1%} of an analysis")
    big = "큰 글 " + "버스 정류장 010-1234-5678, " * 4000
    start = time.perf_counter()
    masking.mask_text(big)
    print(f"  mask_text of {len(big.encode()) // 1024} KB      {(time.perf_counter() - start) * 1000:8.1f} ms"
          f"   (mask_head 300 of it: {per_text(lambda t: masking.mask_head(t, 301), [big], 5) / 1000:.2f} ms)")
    print(f"  Kiwi: cold start of the name check {cold:.1f} s (once per process); {looked_up} words looked up "
          f"over {2 * len(plain)} texts, {again} on the second pass")

    sample = plain[:1000] + mixed[:1000:10]  # ingest mix: one text in ten carries personal data
    start = time.perf_counter()
    analysed = korean.analyze_batch(sample)
    analysis = time.perf_counter() - start
    start = time.perf_counter()
    public = [masking.mask_text(t) for t in sample]
    changed = [p for t, p in zip(sample, public, strict=True) if p != t]
    korean.analyze_batch(changed)
    extra = time.perf_counter() - start
    assert len(analysed) == len(sample)
    print(f"  ingest of {len(sample)} texts: Korean analysis {analysis * 1000:.0f} ms (baseline), masked index "
          f"adds {extra * 1000:.0f} ms = {extra / analysis:.0%} ({len(changed)} texts analysed again)")


if __name__ == "__main__":
    main()
