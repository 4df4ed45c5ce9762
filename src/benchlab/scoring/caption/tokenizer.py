"""The PTB tokenization pycocoevalcap runs in Java, in Python, so caption scores need no JVM.

pycocoevalcap pipes every caption through Stanford CoreNLP 3.4.1's `PTBTokenizer
-preserveLines -lowerCase` and then drops the punctuation tokens in `PUNCTUATIONS`. This module
reproduces the tokens that survive that filter: words split from trailing punctuation, clitics
split off (`dog's` -> `dog 's`, `can't` -> `ca n't`, `cannot` -> `can not`, `gonna` -> `gon na`),
numbers and times kept whole (`10:30`, `1,000`, `-3`) but split from symbols (`$ 5.50`,
`3.5 %`), hyphenated words kept (`black-and-white`), acronyms and the lexer's abbreviations
keeping their period (`u.s.`, `mr.`), brackets kept as `-lrb-`, `-rsb-`... (pycocoevalcap's drop
list spells them in upper case, which -lowerCase output never matches), unicode dashes and quotes
normalised, then lowercased.
Chunks between spaces are tokenized independently and memoised, which is where the speed is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import chain

__all__ = ["PUNCTUATIONS", "clear_token_cache", "ptb_tokenize", "ptb_tokens"]

# The tokens pycocoevalcap removes after the Java tokenizer (tokenizer/ptbtokenizer.py). The
# bracket tokens are listed upper-case but -lowerCase emits `-lrb-`, so brackets survive.
PUNCTUATIONS = frozenset("'' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;".split())

# Abbreviations whose period the lexer keeps in any case (Mr. / MR. / mr.).
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof gen rep sen gov lt col capt sgt mt ft ave blvd rd inc corp co "
    "ltd bros vs etc jan feb mar apr jun jul aug sep sept oct nov dec dept est sq ct esq hon "
    "rev messrs mme mlle ste cie univ assn natl intl tel ext al cf mon tue wed thu fri".split()
)
# Abbreviations it keeps only in lower or capitalised case.
_ABBREVIATIONS_NOT_UPPER = frozenset(["mfg"])

# Whole words the lexer splits in two (case-insensitive; the split point is kept).
_SPLIT_WORDS = {
    "cannot": 3,
    "gonna": 3,
    "gotta": 3,
    "wanna": 3,
    "lemme": 3,
    "gimme": 3,
}
_CLITICS = ("'s", "'re", "'ll", "'ve", "'m", "'d")
_APOSTROPHE_WORDS = frozenset(
    ["'cause", "'em", "'til", "'n'", "'s", "'re", "'ll", "'ve", "'m", "'d"]
)
_SYMBOL_MAP = {
    "€": "$",
    "£": "#",
    "…": "...",
    "–": "--",
    "—": "--",
    "―": "--",
}
# Vulgar fractions become their own ASCII token (`5½` -> `5 1/2`).
_FRACTIONS = str.maketrans({"½": " 1/2 ", "¼": " 1/4 ", "¾": " 3/4 ", "⅓": " 1/3 ", "⅔": " 2/3 "})
# Unicode hyphen, non-breaking hyphen and figure dash: the lexer drops them.
_DROPPED = frozenset("\u2010\u2011\u2012")
_QUOTES = frozenset('"“”«»')
_APOSTROPHES = frozenset("'‘’`")

_NUMBER = re.compile(r"[-+]\d+(?:[.,:]\d+)*|\d+(?:[.,:]\d+)+|\.\d+")
_WORD = re.compile(r"\w+(?:(?:[-./&]|'(?=[^\W\d_]))\w+)*")
_TAG = re.compile(r"[#@][^\W\d_]\w*")
_SGML = re.compile(r"<[A-Za-z/!][^<>\s]*>")
_URL = re.compile(r"(?:https?://|www\.)[^\s\"'<>()\[\]{}]*[^\s\"'<>()\[\]{}.,;:!?]")
_EMAIL = re.compile(r"[\w.+-]+@\w[\w-]*(?:\.\w[\w-]*)+")
_RUN_OF = re.compile(r"\.{3,}|-{2,}|[?!]+|''")
_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_CAPS_AMPERSAND = re.compile(r"[A-Z]+(?:&[A-Z]+)+")
_DECADE = re.compile(r"'\d\ds?(?!\w)")  # '90s, '80
_CLITIC_THEN_HYPHEN = re.compile(r"(?i)'(?:s|re|ll|ve|m|d)-")  # 1980's-style -> 1980 's style

_BRACKETS = {"(": "-lrb-", ")": "-rrb-", "{": "-lcb-", "}": "-rcb-", "[": "-lsb-", "]": "-rsb-"}


def _split_clitics(word: str) -> list[str]:
    """`dog's` -> [`dog`, `'s`]; `can't` -> [`ca`, `n't`]; `rock'n'roll` -> three tokens."""
    lower = word.lower()
    if lower in _SPLIT_WORDS:
        cut = _SPLIT_WORDS[lower]
        return [word[:cut], word[cut:]]
    if "'" not in word:
        return [word]
    joined = _CLITIC_THEN_HYPHEN.search(word)
    if joined:
        at = joined.start()
        hyphen = joined.end() - 1
        return [
            *_split_clitics(word[:at]),
            word[at:hyphen],
            "-",
            *_split_clitics(word[hyphen + 1 :]),
        ]
    if lower.startswith("y'") and len(word) > 2:  # y'all -> y' all
        return [word[:2], *_split_clitics(word[2:])]
    if lower.endswith("n't") and len(word) > 3:
        return [*_split_clitics(word[:-3]), word[-3:]]
    for clitic in _CLITICS:
        if lower.endswith(clitic) and len(word) > len(clitic):
            return [*_split_clitics(word[: -len(clitic)]), word[-len(clitic) :]]
    if "'n'" in lower:
        at = lower.index("'n'")
        return [word[:at], word[at : at + 3], *_split_clitics(word[at + 3 :])] if at else [word]
    return [word]


def _word_tokens(word: str) -> list[str]:
    """Tokens of one word run: ampersands split unless all capitals (`AT&T`), then clitics."""
    if "&" in word and not _CAPS_AMPERSAND.fullmatch(word):
        parts: list[str] = []
        for i, piece in enumerate(word.split("&")):
            if i:
                parts.append("&")
            if piece:
                parts.extend(_split_clitics(piece))
        return parts
    return _split_clitics(word)


def _keeps_period(word: str) -> bool:
    """Whether `word` followed by `.` is one token (an acronym, an initial, an abbreviation)."""
    if _ACRONYM.fullmatch(word) or (len(word) == 1 and word.isalpha()):
        return True
    lower = word.lower()
    if lower in _ABBREVIATIONS:
        return True
    return lower in _ABBREVIATIONS_NOT_UPPER and not word.isupper()


def _leading_apostrophe(chunk: str, at: int) -> tuple[str, int] | None:
    """`'cause`, `'em`, `'s` ... at `at` as one token; `'tis` / `'twas` give `'t`."""
    rest = chunk[at:].lower()
    for token in _APOSTROPHE_WORDS:
        end = at + len(token)
        if rest.startswith(token) and (end == len(chunk) or not chunk[end].isalnum()):
            return chunk[at:end], end
    if rest.startswith(("'tis", "'twas")):
        return chunk[at : at + 2], at + 2
    decade = _DECADE.match(chunk, at) if at == 0 or not chunk[at - 1].isalnum() else None
    if decade:
        return decade.group(), decade.end()
    return None


def _chunk_tokens(chunk: str) -> list[str]:
    """Tokens of one whitespace-free chunk, before lowercasing and the punctuation filter."""
    tokens: list[str] = []
    at, end = 0, len(chunk)
    while at < end:
        char = chunk[at]
        for pattern in (_SGML, _URL, _EMAIL, _TAG):
            match = pattern.match(chunk, at)
            if match:
                tokens.append(match.group())
                at = match.end()
                break
        else:
            at = _next_token(chunk, at, char, tokens)
    return tokens


def _next_token(chunk: str, at: int, char: str, tokens: list[str]) -> int:
    """Append the token(s) starting at `at`; return where the next token starts."""
    number = _NUMBER.match(chunk, at)
    word = _WORD.match(chunk, at) if char.isalnum() or char == "_" else None
    if number and (
        word is None
        or number.end() >= word.end()
        or (number.end() < len(chunk) and chunk[number.end()].isalpha())
    ):
        tokens.append(number.group())
        return number.end()
    if word:
        text = word.group()
        stop = word.end()
        if chunk.startswith(".", stop) and (
            chunk.startswith((".,", ".;"), stop) or _keeps_period(text)
        ):
            tokens.extend(_word_tokens(text))
            tokens[-1] += "."
            return stop + 1
        tokens.extend(_word_tokens(text))
        return stop
    run = _RUN_OF.match(chunk, at)
    if run:
        text = run.group()
        tokens.append({".": "...", "-": "--", "'": "''"}.get(text[0], text))
        return run.end()
    if char in _APOSTROPHES:
        special = _leading_apostrophe(chunk, at) if char == "'" else None
        if special:
            tokens.append(special[0])
            return special[1]
        tokens.append("'")
        return at + 1
    if char in _QUOTES:
        tokens.append("''")
    elif char in _BRACKETS:
        tokens.append(_BRACKETS[char])
    elif char not in _DROPPED:
        tokens.append(_SYMBOL_MAP.get(char, char))
    return at + 1


_CACHE: dict[str, tuple[str, ...]] = {}
_CACHE_LIMIT = 1_000_000


def _kept_tokens(chunk: str) -> tuple[str, ...]:
    """Lowercased tokens of a chunk that survive pycocoevalcap's punctuation filter (memoised)."""
    cached = _CACHE.get(chunk)
    if cached is None:
        normal = chunk.replace("’", "'").replace("‘", "'").translate(_FRACTIONS)
        kept = [t.lower() for part in normal.split() for t in _chunk_tokens(part)]
        cached = tuple(t for t in kept if t not in PUNCTUATIONS)
        if len(_CACHE) < _CACHE_LIMIT:
            _CACHE[chunk] = cached
    return cached


def clear_token_cache() -> None:
    """Forget memoised chunks (to free memory, or to time the tokenizer from cold)."""
    _CACHE.clear()


def ptb_tokens(caption: str) -> list[str]:
    """The tokens pycocoevalcap keeps for a caption: PTB-tokenized, lowercased, no punctuation."""
    return list(chain.from_iterable(map(_kept_tokens, caption.split())))


def ptb_tokenize(captions: Iterable[str]) -> list[str]:
    """Each caption as pycocoevalcap's tokenizer returns it: kept tokens joined by one space."""
    return [" ".join(chain.from_iterable(map(_kept_tokens, c.split()))) for c in captions]
