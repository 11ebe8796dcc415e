"""The pure step of feed ingestion: feed bytes in, clean entries out (no I/O, no database).

`parse_feed` decodes the body itself (feedparser's own guesses go wrong for the encodings
Ukrainian sites still use: an undeclared windows-1251 feed comes out as Latin-1 mojibake, and a
`text/xml` Content-Type makes it ignore the XML prolog), hands feedparser UTF-8 in a byte
stream (so it can neither fetch a URL nor open a file), and turns what it found into
`ParsedEntry` values: plain-text titles and summaries, canonical links, aware UTC dates.
Anything that is not a usable feed raises `FeedError`, and nothing else is raised.
"""

from __future__ import annotations

import calendar
import codecs
import hashlib
import html
import io
import re
import unicodedata
import xml.sax
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

import feedparser

__all__ = [
    "FeedError",
    "ParsedEntry",
    "ParsedFeed",
    "canonical_url",
    "clean_text",
    "normalise_title",
    "parse_feed",
]

TITLE_LIMIT = 300
SUMMARY_LIMIT = 600
# A publication date this far past the fetch is taken for a clock or time-zone error.
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One feed entry, cleaned: what ingestion stores and de-duplicates."""

    guid: str
    title: str
    summary: str
    url: str | None
    published_at: datetime


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed: its title, its usable entries in feed order, and any parser warning."""

    title: str
    entries: tuple[ParsedEntry, ...]
    warning: str | None


class FeedError(Exception):
    """Nothing usable parsed; the message says why in plain English (for the log), `kind` in
    a word the bot puts in each reader's language: "html_page" or "not_feed"."""

    def __init__(self, message: str, kind: str = "not_feed") -> None:
        super().__init__(message)
        self.kind = kind


# --- plain text -------------------------------------------------------------------------------

# Elements whose content is never text a reader should see (an unclosed one hides the rest).
_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg"})
_LINE_BLOCKS = frozenset({"li", "tr", "dt", "dd", "option"})
_PARAGRAPH_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "details",
        "dialog", "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "main",
        "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot",
        "thead", "ul",
    }
)  # fmt: skip
_PARAGRAPH = "\x00P\x00"  # break markers, made of a control character that text never keeps
_LINE = "\x00L\x00"

# Anything that looks like markup; without it, the text is plain and its newlines are kept.
_MARKUP = re.compile(r"<[A-Za-z/!?]|&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
# A tag left open at the very end (a truncated field): browsers drop it, and so do we.
_OPEN_TAG_AT_END = re.compile(r"<[A-Za-z/!?][^<>]*\Z")
# Markup escaped once too often ("&lt;p&gt;"), which many CMS feeds send.
_ESCAPED_TAG = re.compile(
    r"&lt;/?(?:a|b|i|u|s|p|br|hr|div|span|strong|em|img|script|style|iframe|ul|ol|li|h[1-6]"
    r"|table|tr|td|th|font|blockquote|figure|figcaption|picture|source|video|audio|noscript"
    r"|svg|sup|sub|small|big|center|section|article)\b",
    re.IGNORECASE,
)
_REAL_TAG = re.compile(r"<[A-Za-z]")
# A "<" that starts no complete tag. html.parser re-scans the rest of the text at each such
# "<" (quadratic: "<p " * 20000 took 40 s), so they are escaped before parsing.
_STRAY_LT = re.compile(r"""<(?![A-Za-z/!?](?:[^<>"']|"[^"]*"|'[^']*')*>)""")
_TAG = re.compile(r"<[^<>]*>")
_LEFTOVER_SCRIPT = re.compile(r"<\s*/?\s*(?:script|style)\b[^>]*>?", re.IGNORECASE)
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Characters that carry no text: zero-width space, soft hyphen, BOM, word joiner, bidi overrides.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u00ad\ufeff\u2060\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


class _TextExtractor(HTMLParser):
    def __init__(self, *, keep_newlines: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.keep_newlines = keep_newlines

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skip_depth += 1
        elif tag == "br":
            self.parts.append(_LINE)
        else:
            self._block(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <script/> has no content to skip; <br/> and <p/> still break lines.
        if tag == "br":
            self.parts.append(_LINE)
        elif tag not in _SKIPPED:
            self._block(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _PARAGRAPH_BLOCKS:
            self.parts.append(_PARAGRAPH)  # a line block (</li>) ends where the next begins

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if not self.keep_newlines:
            data = data.replace("\n", " ")
        self.parts.append(data)

    def _block(self, tag: str) -> None:
        if tag in _PARAGRAPH_BLOCKS:
            self.parts.append(_PARAGRAPH)
        elif tag in _LINE_BLOCKS:
            self.parts.append(_LINE)


def _strip_comments(text: str) -> str:
    """Remove <!-- comments -->; an unclosed one hides the rest, as in browsers. Linear."""
    parts: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) != -1:
        parts.append(text[position:start])
        end = text.find("-->", start + 4)
        position = len(text) if end == -1 else end + 3
    parts.append(text[position:])
    return "".join(parts)


def _extract(markup: str, *, keep_newlines: bool) -> str:
    parser = _TextExtractor(keep_newlines=keep_newlines)
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser still asserts on some junk ("<![foo[")
        text = _TAG.sub(" ", markup)
        return html.unescape(text if keep_newlines else text.replace("\n", " "))
    return "".join(parser.parts)


def _visible(text: str) -> str:
    """Drop control characters (but newlines) and invisible formatting characters."""
    text = text.translate(_INVISIBLE)
    if text.isprintable():
        return text
    return "".join(
        ch
        for ch in text
        if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs") or ch == "\t"
    )


def clean_text(html_text: str) -> str:
    """HTML (or plain text) → plain text: paragraphs split by one blank line, no trimming.

    Block elements end paragraphs, <br> ends a line, scripts and styles vanish with their
    content, entities are unescaped and whitespace is collapsed within each line. Text without
    any markup keeps its own line breaks.
    """
    text = html_text.replace("\r\n", "\n").replace("\r", "\n")
    if _ESCAPED_TAG.search(text) and not _REAL_TAG.search(text):
        text = html.unescape(text)  # "&lt;p&gt;Текст&lt;/p&gt;": the markup was escaped twice
    text = _OPEN_TAG_AT_END.sub("", text)
    keep_newlines = _MARKUP.search(text) is None
    if "<" in text:
        text = _STRAY_LT.sub("&lt;", _strip_comments(text))
    text = _extract(text, keep_newlines=keep_newlines) if "<" in text or "&" in text else text
    text = text.replace(_PARAGRAPH, "\n\n").replace(_LINE, "\n")
    text = unicodedata.normalize("NFC", _LEFTOVER_SCRIPT.sub("", _visible(text)))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _trim(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters at a word boundary, ending in "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace():
        boundary = max(cut.rfind(" "), cut.rfind("\n"))
        if boundary >= limit // 2:  # a single huge "word" (a URL) is cut where it is
            cut = cut[:boundary]
    return cut.rstrip(" \n\t,;:-–—(«„“\"'") + "…"


# --- titles -----------------------------------------------------------------------------------

# Apostrophes vanish (м’ясо = м'ясо = мʼясо = мясо); ʼ is a letter and ` a symbol to Unicode.
_APOSTROPHES = dict.fromkeys(map(ord, "'’ʼ`‘ʹ′´"))


def normalise_title(title: str) -> str:
    """A key for de-duplication: «Київ — “новини”» and "київ - новини" come out the same.

    Case-folded, apostrophes removed, every punctuation mark (quotes, dashes, dots, …) turned
    into a space, whitespace collapsed.
    """
    text = unicodedata.normalize("NFC", title).casefold().translate(_APOSTROPHES)
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return " ".join(text.split())


# --- links ------------------------------------------------------------------------------------

_TRACKING = frozenset({"fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "igshid", "_ga", "ref_src"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BAD_HOST_CHARS = re.compile(r"[\s<>\"{}|\\^`%@/?#]")


def _is_tracking(param: str) -> bool:
    key = unquote_plus(param.split("=", 1)[0]).strip().lower()
    return key.startswith("utm_") or key in _TRACKING


def canonical_url(url: str, base_url: str | None = None) -> str | None:
    """The absolute http(s) form of `url` (resolved against `base_url`), or None.

    Scheme and host are lower-cased, a default port, the fragment and tracking parameters
    (utm_*, fbclid, gclid, …) are dropped; other parameters keep their order and spelling,
    the path is kept as is ("" becomes "/"). Junk gives None, never an exception.
    """
    try:
        return _canonical_url(url, base_url)
    except (ValueError, TypeError, AttributeError, UnicodeError):
        return None


def _canonical_url(url: str, base_url: str | None) -> str | None:
    url = url.strip()
    if not url:
        return None
    if base_url:
        url = urljoin(base_url.strip(), url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    host = (parts.hostname or "").lower()
    if not host or _BAD_HOST_CHARS.search(host) or not host.isprintable():
        return None
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = parts.port  # ValueError on a malformed port
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if "@" in parts.netloc:
        netloc = f"{parts.netloc.rsplit('@', 1)[0]}@{netloc}"
    query = "&".join(p for p in parts.query.split("&") if p and not _is_tracking(p))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


# --- decoding ---------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WIDE_MARKERS = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
_PROLOG_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^<\?xml\s[^>]*\?>")


def _usable_encoding(name: str | None) -> str | None:
    """`name` if Python knows it as an ASCII-compatible text encoding (not UTF-7)."""
    if not name:
        return None
    try:
        info = codecs.lookup(name)
        if info.name == "utf-7" or "<?xml".encode(info.name) != b"<?xml":
            return None
        b"".decode(info.name)  # LookupError for base64, rot13 and other non-text codecs
    except (LookupError, ValueError, UnicodeError):
        return None
    return info.name


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_LOWER_CYRILLIC = re.compile("[а-яёіїєґўђѓѕјљњћќџ]")


def _cyrillic_score(text: str) -> int:
    """How Cyrillic a decoding looks: most letters of real text are lower case.

    Decoded with the wrong single-byte table, windows-1251 comes out as upper case koi8 (and
    vice versa) or as Latin accented letters, so the right decoding scores highest.
    """
    return len(_LOWER_CYRILLIC.findall(text))


def _decode(body: bytes, content_type: str | None) -> str:
    """The feed as text: a BOM; else valid UTF-8; else the declared charsets; else a guess.

    Bytes that are valid UTF-8 are taken for UTF-8 whatever the declaration says: Cyrillic in
    windows-1251 or koi8 is never valid UTF-8, while sites that moved to UTF-8 often kept their
    old windows-1251 prolog. When the Content-Type charset and the prolog disagree, the one
    that reads as Cyrillic text wins (the header on a tie); with neither, or when neither
    decodes, the choice is between windows-1251 and koi8-u.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            try:
                return body.decode(encoding)
            except UnicodeDecodeError:
                break
    for marker, encoding in _WIDE_MARKERS:
        if body.startswith(marker):
            try:
                return body.decode(encoding)
            except UnicodeDecodeError:
                break
    if _is_utf8(body):
        return body.decode("utf-8")
    header = _CHARSET.search(content_type or "")
    prolog = _PROLOG_ENCODING.match(body[:512])
    declared = (
        _usable_encoding(header.group(1) if header else None),
        _usable_encoding(prolog.group(1).decode("ascii") if prolog else None),
    )
    for candidates in ([name for name in declared if name], ["cp1251", "koi8-u"]):
        texts = []
        for name in dict.fromkeys(candidates):
            try:
                texts.append(body.decode(name))
            except UnicodeDecodeError:
                continue
        if texts:
            return max(texts, key=_cyrillic_score)  # the first of equals
    return body.decode("cp1251", errors="replace")  # unreachable: koi8-u maps every byte


# --- parsing ----------------------------------------------------------------------------------

_HTML_PAGE = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_LAST_ENTRY_OPEN = re.compile(r"<((?:[A-Za-z_][\w.-]*:)?(?:item|entry))(?=[\s>/])(?![^>]*/>)")
_DATE_KEYS = ("published", "updated", "created")


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _get(mapping: Mapping[str, Any], key: str) -> Any:
    """mapping[key] or None, without FeedParserDict's aliases (updated → published, …)."""
    return dict.get(mapping, key) if isinstance(mapping, dict) else mapping.get(key)


def _warning(exc: object) -> str:
    if exc is None:
        return "the feed is not well-formed"
    if isinstance(exc, xml.sax.SAXParseException):
        return f"{exc.getMessage()} (line {exc.getLineNumber()}, column {exc.getColumnNumber()})"
    message = str(exc).strip()
    return message or type(exc).__name__


def _truncated_last_entry(text: str) -> bool:
    """Whether the last <item>/<entry> opened in `text` is never closed (the body was cut)."""
    last = None
    for last in _LAST_ENTRY_OPEN.finditer(text):  # noqa: B007 - only the last match counts
        pass
    if last is None:
        return False
    closing = re.compile(rf"</{re.escape(last.group(1))}\s*>")
    return closing.search(text, last.end()) is None


def _published_at(entry: Mapping[str, Any], fetched_at: datetime) -> datetime:
    for key in _DATE_KEYS:
        parsed = _get(entry, f"{key}_parsed")
        if not parsed:
            continue
        try:
            when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            continue
        return fetched_at if when > fetched_at + FUTURE_TOLERANCE else when
    return fetched_at


def _summary_sources(entry: Mapping[str, Any]) -> Iterator[str]:
    yield _str(_get(entry, "summary"))
    contents = _get(entry, "content")
    if isinstance(contents, list):
        for content in contents:
            if isinstance(content, Mapping):
                yield _str(_get(content, "value"))


def _summary(entry: Mapping[str, Any], title: str) -> str:
    title_key = normalise_title(title)
    for source in _summary_sources(entry):
        text = clean_text(source) if source.strip() else ""
        key = normalise_title(text)
        if key and not title_key.startswith(key):
            return _trim(text, SUMMARY_LIMIT)
    return ""


def _entry(entry: Mapping[str, Any], base_url: str, fetched_at: datetime) -> ParsedEntry | None:
    full_title = _one_line(clean_text(_str(_get(entry, "title"))))
    if not full_title:
        return None
    link = _str(_get(entry, "link"))
    url = canonical_url(link, base_url) if link else None
    guid = _one_line(_str(_get(entry, "id")))
    if not guid:
        if url:
            guid = url
        else:
            date = next((_str(_get(entry, key)) for key in _DATE_KEYS if _get(entry, key)), "")
            digest = hashlib.sha256(f"{full_title}\n{date.strip()}".encode()).hexdigest()
            guid = f"sha256:{digest}"
    return ParsedEntry(
        guid=guid,
        title=_trim(full_title, TITLE_LIMIT),
        summary=_summary(entry, full_title),
        url=url,
        published_at=_published_at(entry, fetched_at),
    )


def parse_feed(
    body: bytes, *, base_url: str, fetched_at: datetime, content_type: str | None = None
) -> ParsedFeed:
    """Parse an RSS 2.0, RSS 1.0/RDF or Atom 1.0 body fetched from `base_url` at `fetched_at`.

    `content_type` is the response's Content-Type header (only its charset matters). Raises
    FeedError, and nothing else, when the body holds no usable feed.
    """
    if fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    fetched_at = fetched_at.astimezone(UTC)
    try:
        return _parse_feed(body, base_url, fetched_at, content_type)
    except FeedError:
        raise
    except Exception as exc:  # a feedparser bug on hostile input must not escape as itself
        raise FeedError(f"the feed could not be parsed: {type(exc).__name__}") from exc


def _parse_feed(
    body: bytes, base_url: str, fetched_at: datetime, content_type: str | None
) -> ParsedFeed:
    if not body.strip():
        raise FeedError("empty response")
    text = _decode(body, content_type).lstrip("\ufeff \t\r\n")
    if not text:
        raise FeedError("empty response")
    # The declaration now has to say UTF-8; one on the first line keeps line numbers right.
    declaration = '<?xml version="1.0" encoding="utf-8"?>'
    utf8 = (declaration + _XML_DECLARATION.sub("", text, count=1)).encode("utf-8")
    result = feedparser.parse(
        io.BytesIO(utf8),  # a stream: feedparser never takes a body for a URL or a file name
        # No content-location: given one, feedparser would also resolve every guid that is not
        # isPermaLink="false" ("cg-1" → "https://site/feed/cg-1"), so guids would change with
        # the feed's address. Links come out relative (or resolved against xml:base) and
        # canonical_url resolves them against base_url.
        response_headers={"content-type": "application/xml; charset=utf-8"},
        resolve_relative_uris=False,  # summaries become plain text: their links are dropped
        sanitize_html=False,  # clean_text drops all markup, scripts with their content
    )
    bozo = bool(result.get("bozo"))
    raw_entries = [e for e in result.get("entries") or [] if isinstance(e, Mapping)]
    if bozo and raw_entries and _truncated_last_entry(text):
        raw_entries.pop()  # cut mid-item: what parsed of it may be half a title, with no link
    feed_info = result.get("feed")
    feed_title = ""
    if isinstance(feed_info, Mapping):
        feed_title = _trim(_one_line(clean_text(_str(_get(feed_info, "title")))), TITLE_LIMIT)

    if not result.get("version") and (not raw_entries or _HTML_PAGE.search(text[:4096])):
        if _HTML_PAGE.search(text[:4096]):
            raise FeedError("an HTML page, not an RSS or Atom feed", kind="html_page")
        raise FeedError("not an RSS or Atom feed")

    entries: list[ParsedEntry] = []
    seen: set[str] = set()
    for raw in raw_entries:
        parsed = _entry(raw, base_url, fetched_at)
        if parsed is not None and parsed.guid not in seen:
            seen.add(parsed.guid)
            entries.append(parsed)
    if not entries and not feed_title:
        if raw_entries:
            raise FeedError("no entry in the feed has a title")
        raise FeedError("the feed has neither entries nor a title")
    warning = _warning(result.get("bozo_exception")) if bozo else None
    return ParsedFeed(title=feed_title, entries=tuple(entries), warning=warning)
