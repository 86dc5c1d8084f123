"""Automatic GB/T 14885-2022 classification of legacy-ledger asset names.

    suggest("联想启天M430台式机")                    # Suggestion(code="A02010105", class_name="台式计算机", ...)
    suggest("办公桌", legacy_code="A060201")        # the 2013-catalogue code decides when it maps

Order of evidence:
1. a legacy code (GB/T 14885-2010 7 digits, or a 2013-catalogue code) with an exact mapping in
   ``standards.LegacyClassMapping`` wins; a mapping to a broader class is refined by the name when the
   name points below it; an unmapped or unknown code is reported in the reason and the name decides;
2. the hand-built keyword/synonym list ``data/classify_keywords.json`` (category nouns, generic nouns,
   brand/series/model hints), then the level-3/4 class names of the catalogue found verbatim in the name;
3. character-bigram coverage of the class names as a fallback (low confidence);
4. nothing: empty code, confidence 0.

Deterministic, no model files, no network. A classifier is built once per process from the database
(classes and mappings) and kept for ``CACHE_SECONDS``; ``Classifier.from_files()`` builds the same from
the shipped CSV files without a database (benchmarks). Every code a rule names is checked against the
2022 classes when the classifier is built, so nothing outside the catalogue can ever be emitted.
"""

from __future__ import annotations

import csv
import json
import re
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
KEYWORDS_FILE = DATA_DIR / "classify_keywords.json"
STANDARDS_DATA_DIR = Path(__file__).resolve().parent.parent / "standards" / "data"
CACHE_SECONDS = 300

# Confidence thresholds the import preview uses: below LOW the user must confirm the row.
LOW_CONFIDENCE = 0.8

_WEIGHT_CONFIDENCE = {3: 0.9, 2: 0.7, 1: 0.75}
_CATALOGUE_WEIGHT = 2
_NGRAM_MIN_COVERAGE = 0.6
# Characters dropped before matching: whitespace and punctuation that ledgers use inconsistently.
_DROP = re.compile(r"[\s()（）\[\]【】{}<>《》〈〉\"'“”‘’,，、;；:：/\\|!！?？*#＃@~`^_=+·•]+")
_LEGACY_CLEAN = re.compile(r"[\s.\-_/]+")
_BOOK_TITLE = re.compile(r"《[^》]+》")
_BOOK_CODE = "A04010101"  # 书籍、课本


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, punctuation and spaces removed."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "").lower())


@dataclass(frozen=True)
class Suggestion:
    code: str
    class_name: str
    confidence: float
    reason: str
    method: str = "none"  # legacy | keyword | catalogue | ngram | none

    @property
    def is_low_confidence(self) -> bool:
        return self.confidence < LOW_CONFIDENCE


NO_SUGGESTION = Suggestion("", "", 0.0, "无法识别分类，请人工选择。")


@dataclass(frozen=True)
class _Keyword:
    text: str
    code: str
    weight: int
    confidence: float
    source: str  # "rule" or "catalogue"


@dataclass(frozen=True)
class _Refinement:
    to: str
    any_words: tuple[str, ...]
    all_words: tuple[str, ...]
    confidence: float | None


@dataclass(frozen=True)
class LegacyTarget:
    code: str  # empty = no sound 2022 class
    match: str  # exact | broader | none
    legacy_name: str


@dataclass
class Classifier:
    classes: dict[str, str]  # code → name
    parents: dict[str, str]  # code → parent code
    legacy: dict[tuple[str, str], LegacyTarget]  # (scheme, code) → target
    keywords_by_char: dict[str, list[_Keyword]] = field(default_factory=dict)
    refinements: dict[str, list[_Refinement]] = field(default_factory=dict)
    bigram_index: dict[str, list[str]] = field(default_factory=dict)
    bigram_count: dict[str, int] = field(default_factory=dict)

    # -- construction -----------------------------------------------------------------------------

    @classmethod
    def build(cls, classes: Iterable[tuple[str, str, int, str]],
              legacy: Iterable[tuple[str, str, str, str, str]], keywords_file: Path = KEYWORDS_FILE) -> Classifier:
        """classes: (code, name, level, parent_code); legacy: (scheme, legacy_code, legacy_name, code_2022, match)."""
        class_rows = list(classes)
        self = cls(classes={c: n for c, n, _, _ in class_rows},
                   parents={c: p for c, _, _, p in class_rows if p}, legacy={})
        for scheme, legacy_code, legacy_name, code, match in legacy:
            if code and code not in self.classes:
                raise ValueError(f"legacy mapping {scheme}/{legacy_code} names unknown 2022 class {code}")
            self.legacy[(scheme, _clean_legacy(legacy_code))] = LegacyTarget(code or "", match, legacy_name)
        self._require(_BOOK_CODE, "book-title rule")
        self._load_keywords(keywords_file)
        self._index_catalogue(class_rows)
        return self

    @classmethod
    def from_files(cls, data_dir: Path = STANDARDS_DATA_DIR) -> Classifier:
        """The classifier from the shipped CSVs (the same data migration 0002 of standards loads)."""
        rows: list[tuple[str, str, int, str]] = []
        for name in ("asset-classes-2022.csv", "asset-classes-manual.csv"):
            for rec in _read_csv(data_dir / name):
                rows.append((rec["code"], rec["name"], int(rec["level"]), rec.get("parent_code") or ""))
        legacy = [(r["scheme"], r["legacy_code"], r["legacy_name"], r["code_2022"], r["match"])
                  for r in _read_csv(data_dir / "legacy-class-mapping.csv")]
        return cls.build(rows, legacy)

    @classmethod
    def from_database(cls) -> Classifier:
        from qinjian.standards.models import AssetClass, LegacyClassMapping

        rows = [(c, n, lv, p or "") for c, n, lv, p in
                AssetClass.objects.values_list("code", "name", "level", "parent__code")]
        legacy = [(s, lc, ln, code or "", m) for s, lc, ln, code, m in
                  LegacyClassMapping.objects.values_list("scheme", "legacy_code", "legacy_name",
                                                         "asset_class__code", "match")]
        return cls.build(rows, legacy)

    def _load_keywords(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        for rule in data["rules"]:
            code, weight = rule["code"], int(rule["weight"])
            self._require(code, f"keyword rule {rule['keywords'][:2]}")
            conf = float(rule.get("confidence", _WEIGHT_CONFIDENCE[weight]))
            for word in rule["keywords"]:
                text = normalize(word)
                if text:
                    self._add_keyword(_Keyword(text, code, weight, conf, "rule"))
        for code, items in data.get("refine", {}).items():
            self._require(code, "refinement")
            for item in items:
                self._require(item["to"], f"refinement of {code}")
                self.refinements.setdefault(code, []).append(_Refinement(
                    item["to"], tuple(normalize(w) for w in item.get("any", [])),
                    tuple(normalize(w) for w in item.get("all", [])), item.get("confidence")))

    def _index_catalogue(self, rows: list[tuple[str, str, int, str]]) -> None:
        """Class names as keywords (unique, ≥ 3 characters) and their bigrams for the fallback."""
        by_name: dict[str, list[str]] = defaultdict(list)
        for code, name, level, _ in rows:
            if level < 3 or code.startswith("A07") or name.startswith("其他"):
                continue  # A07 物资 are consumable stocks, not ledger assets; 其他… names carry no signal
            text = normalize(name)
            by_name[text].append(code)
            grams = _bigrams(text)
            self.bigram_count[code] = len(grams)
            for gram in grams:
                self.bigram_index.setdefault(gram, []).append(code)
        for text, codes in by_name.items():
            if len(codes) == 1 and len(text) >= 3:
                self._add_keyword(_Keyword(text, codes[0], _CATALOGUE_WEIGHT, 0.8, "catalogue"))

    def _add_keyword(self, kw: _Keyword) -> None:
        bucket = self.keywords_by_char.setdefault(kw.text[0], [])
        if not any(k.text == kw.text for k in bucket):  # the first (hand rule) wins on duplicates
            bucket.append(kw)

    def _require(self, code: str, what: str) -> None:
        if code not in self.classes:
            raise ValueError(f"{what} names {code}, which is not a GB/T 14885-2022 class")

    # -- classification ---------------------------------------------------------------------------

    def suggest(self, name: str, model: str = "", legacy_code: str = "") -> Suggestion:
        text = normalize(f"{name or ''}{model or ''}")
        by_name = self._by_text(text) if text else NO_SUGGESTION
        if by_name.method in ("none", "ngram") and _BOOK_TITLE.search(name or ""):
            # 《…》 is how Chinese writes a book title; a ledger line that is only a title is a book.
            by_name = Suggestion(_BOOK_CODE, self.classes[_BOOK_CODE], 0.7, "书名号《》", "keyword")
        if not (legacy_code or "").strip():
            return by_name
        return self._with_legacy(legacy_code, by_name)

    def _with_legacy(self, legacy_code: str, by_name: Suggestion) -> Suggestion:
        clean = _clean_legacy(legacy_code)
        scheme = "gbt2010" if clean.isdigit() and len(clean) == 7 else "cat2013"
        target = self.legacy.get((scheme, clean))
        if target is None:
            return _note(by_name, f"旧代码 {legacy_code.strip()} 无对照，已按名称推荐")
        if not target.code:
            return _note(by_name, f"旧代码 {clean}（{target.legacy_name}）在2022分类中无对应类，已按名称推荐")
        name = self.classes[target.code]
        if target.match == "exact":
            return Suggestion(target.code, name, 0.95, f"旧代码 {clean}（{target.legacy_name}）对照", "legacy")
        # A broader mapping: the name may point to a class below it.
        if by_name.code and self._is_under(by_name.code, target.code):
            return Suggestion(by_name.code, by_name.class_name, max(by_name.confidence, 0.9),
                              f"旧代码 {clean} 对照到“{name}”，按名称细分：{by_name.reason}", by_name.method)
        return Suggestion(target.code, name, 0.7,
                          f"旧代码 {clean}（{target.legacy_name}）对照到上级类“{name}”，请细分", "legacy")

    def _is_under(self, code: str, ancestor: str) -> bool:
        while code:
            if code == ancestor:
                return True
            code = self.parents.get(code, "")
        return False

    def _by_text(self, text: str) -> Suggestion:
        hits = self._matches(text)
        if hits:
            best = max(hits, key=lambda h: (h[2].weight, h[2].source == "rule", h[1], h[1] - h[0]))
            kw = best[2]
            if kw.weight == 2:
                # A generic noun (电脑, 汽车) yields to a model hint in the same branch (ThinkPad, 比亚迪秦).
                branch = self.parents.get(kw.code, "")
                hints = [h for h in hits if h[2].weight == 1 and self.parents.get(h[2].code) == branch]
                if hints:
                    kw = max(hints, key=lambda h: (h[1], h[1] - h[0]))[2]
            code, conf = kw.code, kw.confidence
            refined = self._refine(code, text)
            if refined is not None:
                code, ref_conf = refined
                conf = ref_conf if ref_conf is not None else _WEIGHT_CONFIDENCE[kw.weight]
            rivals = {h[2].code for h in hits if h[2].weight == kw.weight and h[2].code != kw.code}
            if rivals:
                conf -= 0.1  # names that also point elsewhere deserve a look
            method = "keyword" if kw.source == "rule" else "catalogue"
            label = "关键词" if kw.source == "rule" else "分类名称"
            return Suggestion(code, self.classes[code], round(conf, 2), f"{label}“{kw.text}”", method)
        return self._by_ngrams(text)

    def _matches(self, text: str) -> list[tuple[int, int, _Keyword]]:
        found: list[tuple[int, int, _Keyword]] = []
        for i, ch in enumerate(text):
            for kw in self.keywords_by_char.get(ch, ()):
                if text.startswith(kw.text, i):
                    found.append((i, i + len(kw.text), kw))
        if len(found) < 2:
            return found
        # A match inside a longer match is part of that word (交换机 inside 电话交换机).
        return [h for h in found if not any(
            o is not h and o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0]) for o in found)]

    def _refine(self, code: str, text: str) -> tuple[str, float | None] | None:
        for ref in self.refinements.get(code, ()):
            if all(w in text for w in ref.all_words) and (not ref.any_words or any(w in text for w in ref.any_words)):
                return ref.to, ref.confidence
        return None

    def _by_ngrams(self, text: str) -> Suggestion:
        grams = _bigrams(text)
        if not grams:
            return NO_SUGGESTION
        common: dict[str, int] = defaultdict(int)
        for gram in grams:
            for code in self.bigram_index.get(gram, ()):
                common[code] += 1
        best_code, best_key = "", (0.0, 0, 0, "")
        for code, n in common.items():
            total = self.bigram_count[code]
            key = (n / total, n, len(code) - code.count("0"), code)
            if key > best_key:
                best_code, best_key = code, key
        coverage, n = best_key[0], best_key[1]
        if not best_code or coverage < _NGRAM_MIN_COVERAGE or (n < 2 and self.bigram_count[best_code] > 1):
            return NO_SUGGESTION
        conf = round(0.3 + 0.3 * coverage, 2)
        return Suggestion(best_code, self.classes[best_code], conf,
                          f"与分类名称“{self.classes[best_code]}”字面相近", "ngram")


def _note(suggestion: Suggestion, note: str) -> Suggestion:
    return Suggestion(suggestion.code, suggestion.class_name, suggestion.confidence,
                      f"{note}；{suggestion.reason}", suggestion.method)


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} if len(text) > 1 else ({text} if text else set())


def _clean_legacy(code: str) -> str:
    return _LEGACY_CLEAN.sub("", unicodedata.normalize("NFKC", code or "")).upper()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


# -- process-wide default ---------------------------------------------------------------------------

_lock = threading.Lock()
_cached: tuple[float, Classifier] | None = None


def get_classifier() -> Classifier:
    """The classifier built from the database, rebuilt after CACHE_SECONDS (classes change rarely)."""
    global _cached
    now = time.monotonic()
    current = _cached
    if current is not None and now - current[0] < CACHE_SECONDS:
        return current[1]
    with _lock:
        if _cached is None or now - _cached[0] >= CACHE_SECONDS:
            _cached = (now, Classifier.from_database())
        return _cached[1]


def reset_cache() -> None:
    """Forget the cached classifier (tests; after the classes or mappings were reloaded)."""
    global _cached
    _cached = None


def suggest(name: str, model: str = "", legacy_code: str = "") -> Suggestion:
    """The suggested GB/T 14885-2022 class for an asset name (and model/brand, legacy code)."""
    return get_classifier().suggest(name, model, legacy_code)
