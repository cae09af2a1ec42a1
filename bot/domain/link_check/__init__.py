"""Is this link or sender ours? A lookalike checker that never opens or resolves anything.

`check()` finds the first link, email address or domain name in what a customer pasted and
compares its host with the vendor's official domains. It works on the text alone: no DNS
look-up, no HTTP request, ever. The verdict is one of:

- ``official``: the host is an official domain or a subdomain of one, and the link does not
  use plain http;
- ``suspicious``: something imitates us or hides the destination (a lookalike name, our domain
  inside someone else's, a shortener, a bare IP address, an ``@`` decoy), or one of our hosts
  over plain http;
- ``not_official``: an unrelated site with nothing lookalike about it;
- ``nothing_found``: no link, address or domain in the text.

Every verdict carries stable reason codes; `REASON_SENTENCES` turns them into short
sentences for customers and `PhishingVerdict.describe()` strings them together.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

Kind = Literal["url", "email", "domain", "none"]
Verdict = Literal["official", "suspicious", "not_official", "nothing_found"]

# Reason codes (stable: actions, logs and tests compare them as plain strings).
OFFICIAL_DOMAIN = "official_domain"
OFFICIAL_DOMAIN_IN_SUBDOMAIN = "official_domain_in_subdomain"
OFFICIAL_NAME_IN_DOMAIN = "official_name_in_domain"
HOMOGLYPH = "homoglyph"
TYPOSQUAT = "typosquat"
PUNYCODE = "punycode"
USERINFO_TRICK = "userinfo_trick"
URL_SHORTENER = "url_shortener"
IP_ADDRESS_HOST = "ip_address_host"
INSECURE_HTTP = "insecure_http"
UNOFFICIAL_DOMAIN = "unofficial_domain"
NO_LINK_FOUND = "no_link_found"
SCRIPT_URL = "script_url"
HIDDEN_CHARACTERS = "hidden_characters"
DISPLAY_NAME_TRICK = "display_name_trick"

# One short sentence per reason, in the order reasons are reported.
REASON_SENTENCES: dict[str, str] = {
    OFFICIAL_DOMAIN: "It is one of our official addresses.",
    OFFICIAL_DOMAIN_IN_SUBDOMAIN: (
        "Our address is placed at the front, but the link belongs to a different site."
    ),
    OFFICIAL_NAME_IN_DOMAIN: "It contains our name, but the site belongs to someone else.",
    HOMOGLYPH: (
        "It uses lookalike characters (such as a Cyrillic 'а' or a '1' for an 'l') "
        "to imitate our name."
    ),
    TYPOSQUAT: (
        "It is spelled almost like our name, or uses our name with a different ending, "
        "but it is not ours."
    ),
    PUNYCODE: (
        "It contains international characters (shown as 'xn--' in the address bar), "
        "a common way to imitate a familiar name."
    ),
    USERINFO_TRICK: (
        "The part before the '@' is a decoy: the link really goes to the site named after it."
    ),
    URL_SHORTENER: "It is a shortened link that hides where it really goes; we never send those.",
    IP_ADDRESS_HOST: "It points to a bare IP address instead of a site name; we never do that.",
    INSECURE_HTTP: "It uses plain http, not https, so the connection is not protected.",
    SCRIPT_URL: (
        "It is a script or data link, not a web address: opening it can run code in your "
        "browser. We never send those."
    ),
    HIDDEN_CHARACTERS: (
        "Its address contains invisible or control characters, a trick to make it look "
        "like another site."
    ),
    DISPLAY_NAME_TRICK: (
        "The sender's name is made to look like one of our addresses, but the email really "
        "comes from a different address."
    ),
    UNOFFICIAL_DOMAIN: "It is not one of our addresses.",
    NO_LINK_FOUND: "I could not find a link, email address or website name in that.",
}

_ADVICE: dict[str, str] = {
    "official": "Even so, we never ask for your password or sign-in codes, so never share them.",
    "suspicious": (
        "Please do not open it or enter anything there. If you already did, "
        "change your password now."
    ),
    "not_official": "Please do not sign in or share anything there; use our official site.",
    "nothing_found": "Could you paste the link or the sender's address?",
}

# Reasons that make a verdict "suspicious" on their own (lookalikes and hidden destinations).
_SUSPICIOUS = frozenset(
    {
        OFFICIAL_DOMAIN_IN_SUBDOMAIN,
        OFFICIAL_NAME_IN_DOMAIN,
        HOMOGLYPH,
        TYPOSQUAT,
        PUNYCODE,
        USERINFO_TRICK,
        URL_SHORTENER,
        IP_ADDRESS_HOST,
        SCRIPT_URL,
        HIDDEN_CHARACTERS,
        DISPLAY_NAME_TRICK,
    }
)
# How bad each verdict is: with several links or addresses in a message, the worst wins.
_SEVERITY = {"suspicious": 0, "not_official": 1, "official": 2}

# A small stand-in for the Public Suffix List: second-level suffixes that sit under one
# registrable name ("example.co.uk" is registrable, "co.uk" is not).
_TWO_LEVEL_SUFFIXES = frozenset(
    {
        "co.uk", "org.uk", "me.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "net.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au",
        "co.nz", "net.nz", "org.nz",
        "co.jp", "ne.jp", "or.jp", "ac.jp",
        "com.br", "net.br", "org.br",
        "co.in", "co.za", "co.kr", "co.il", "co.id",
        "com.cn", "com.hk", "com.sg", "com.mx", "com.tr", "com.tw", "com.ar", "com.my",
    }
)  # fmt: skip

# Characters that look like ASCII letters, mapped to the letter they imitate.
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
        "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "к": "k",
        # Greek
        "ο": "o", "ρ": "p", "α": "a", "ν": "v", "ι": "i", "κ": "k", "ϲ": "c", "υ": "u",
        # Latin lookalikes and digits
        "ı": "i", "ɑ": "a", "ɡ": "g", "0": "o", "1": "l",
    }
)  # fmt: skip
_CONFUSABLE_PAIRS = (("rn", "m"), ("vv", "w"))

# Names shorter than this are too short for edit-distance or contains checks: "hp" is one
# edit away from hundreds of unrelated domains.
_MIN_NAME_LENGTH = 5
# Names this long may be two edits away; shorter ones only one ("sample" is not "example").
_TWO_EDITS_FROM = 9

# Bare "word.ext" tokens that are file names far more often than domains.
_FILE_EXTENSIONS = frozenset(
    {"txt", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "csv", "json", "log",
     "png", "jpg", "jpeg", "gif", "exe", "htm", "html"}
)  # fmt: skip

_DEFAULT_SHORTENERS = Path(__file__).resolve().parents[2] / "data" / "url_shorteners.txt"

_TOKEN = re.compile(r"[^\s<>\"`“”‘’«»|]+")
_LEADING_PUNCTUATION = "([{'*"
_TRAILING_PUNCTUATION = ".,;:!?)]}'*"
_SCHEME = re.compile(r"(https?|ftp):[/\\]{1,3}", re.IGNORECASE)
_MAILTO = re.compile(r"mailto:", re.IGNORECASE)
_WORD_PREFIX = re.compile(r"^[^\W\d_]+:(?!\d)")
_AUTHORITY_END = re.compile(r"[/?#\\]")
_DEFANGED = (
    (re.compile(r"\bhxxp(s?)", re.IGNORECASE), r"http\1"),
    (re.compile(r"[\[({]\s*(?:\.|dot)\s*[\])}]", re.IGNORECASE), "."),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"\[://\]"), "://"),
    (re.compile(r"\[\s*(?:@|at)\s*\]|\(\s*at\s*\)", re.IGNORECASE), "@"),
)
_DOT_VARIANTS = str.maketrans({"。": ".", "．": ".", "｡": "."})
_LABEL = re.compile(r"^[\w-]+$")
_TLD = re.compile(r"^[^\W\d_]{2,63}$")
_EMAIL_LOCAL = re.compile(r"^[\w.!#$%&'*+/=?^{}~-]+$")
_NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")


@dataclass(frozen=True)
class PhishingVerdict:
    """What `check()` concluded about the first link, address or domain in a text.

    Attributes:
        kind: "url", "email", "domain", or "none" when nothing was found.
        found: The link, address or domain as it appeared (defanged forms re-fanged).
        host: Lower-case host, IDNA-decoded to unicode for display ("" when none).
        registrable_domain: The part someone registered, e.g. "evil.net" for
            "example.com.evil.net" ("" when none; the address itself for an IP).
        official: True only when `verdict` is "official".
        verdict: "official", "suspicious", "not_official" or "nothing_found".
        reasons: Stable reason codes, keys of `REASON_SENTENCES`.
    """

    kind: Kind
    found: str
    host: str
    registrable_domain: str
    official: bool
    verdict: Verdict
    reasons: tuple[str, ...]

    def sentences(self) -> tuple[str, ...]:
        """The customer sentence for each reason, in order."""
        return tuple(REASON_SENTENCES[reason] for reason in self.reasons)

    def describe(self) -> str:
        """A short plain-English explanation for the customer, ending with advice."""
        parts = list(self.sentences())
        if self.host:
            parts.insert(0, f"I checked {self.host}.")
        parts.append(_ADVICE[self.verdict])
        return " ".join(parts)


@dataclass(frozen=True)
class _Found:
    """A candidate found in the text, before it is judged."""

    kind: Kind
    text: str
    host: str
    scheme: str | None
    userinfo: str | None
    position: int
    strength: int  # 0: unmistakable (scheme, www., email); 1: host with path/port; 2: bare
    hidden: bool = False  # invisible or control characters were removed from the host


def check(
    text: str,
    official_domains: Sequence[str],
    shorteners: frozenset[str] | None = None,
) -> PhishingVerdict:
    """Judge every link, sender address and domain name in `text`; the worst one wins.

    Works on the text alone: the link is never opened and no name is resolved. Each
    candidate is judged on its own ("suspicious" is worse than "not_official", which is
    worse than "official"); among equally bad ones an unmistakable candidate (with a
    scheme, starting with "www." or an email address) comes before a host with a path,
    which comes before a bare name, then the first one. A sender whose display name is an
    address of ours but whose real address is not (`"support@vendor" <x@evil>`), script
    and data links, and hosts with invisible or control characters are flagged.

    Args:
        text: What the customer pasted: a URL (with or without scheme), an email address,
            a bare domain, or text containing several. Defanged forms such as
            "hxxps://example[.]com" are understood.
        official_domains: The vendor's domains; their subdomains are official too.
        shorteners: Link-shortener domains; defaults to `load_shorteners()`.

    Returns:
        The verdict about the worst candidate, with its reason codes.
    """
    if isinstance(official_domains, str):
        official_domains = (official_domains,)
    officials = tuple(
        host for host in (_normalize_host(domain.strip()) for domain in official_domains) if host
    )
    shorteners = load_shorteners() if shorteners is None else shorteners
    judged = []
    for found in _extract_all(text or ""):
        reasons = _reasons(found, officials, shorteners)
        judged.append((found, reasons, _verdict(reasons)))
    if not judged:
        return PhishingVerdict("none", "", "", "", False, "nothing_found", (NO_LINK_FOUND,))
    found, reasons, verdict = min(
        judged, key=lambda item: (_SEVERITY[item[2]], item[0].strength, item[0].position)
    )
    if _display_name_trick(text or "", officials):
        reasons = tuple(code for code in REASON_SENTENCES if code in {*reasons,
                        DISPLAY_NAME_TRICK} - {OFFICIAL_DOMAIN})  # fmt: skip
        verdict = "suspicious"
    return PhishingVerdict(
        kind=found.kind,
        found=found.text,
        host=found.host,
        registrable_domain=registrable_domain(found.host) if found.host else "",
        official=verdict == "official",
        verdict=verdict,
        reasons=reasons,
    )


_DISPLAY_NAME = re.compile(
    r"([^\s<>\"'“”]+@[^\s<>\"'“”]+)[\"'“”]?\s*<\s*(?:mailto:)?([^<>\s]+@[^<>\s]+)>"
)


def _display_name_trick(text: str, officials: Sequence[str]) -> bool:
    """'"support@vendor.com" <x@evil.net>': the name shown is ours, the address is not."""
    for match in _DISPLAY_NAME.finditer(_refang(text)):
        shown = _normalize_host(match.group(1).rpartition("@")[2].strip(".,;:"))
        real = _normalize_host(match.group(2).rpartition("@")[2].strip(".,;:"))
        if shown and real and _is_within(shown, officials) and not _is_within(real, officials):
            return True
    return False


def load_shorteners(path: str | Path | None = None) -> frozenset[str]:
    """Read link-shortener domains, one per line; blank lines and "#" comments are skipped.

    Args:
        path: The file to read; defaults to bot/data/url_shorteners.txt (read once, cached).

    Returns:
        The lower-case domains.
    """
    if path is None:
        return _default_shorteners()
    return _read_shorteners(Path(path))


def registrable_domain(host: str) -> str:
    """The registered name of `host`: "evil.net" for "example.com.evil.net".

    The last two labels, or three under a common second-level suffix such as "co.uk".
    An IP address is returned unchanged.
    """
    if _is_ip(host):
        return host
    labels = host.split(".")
    keep = 3 if ".".join(labels[-2:]) in _TWO_LEVEL_SUFFIXES else 2
    return ".".join(labels[-keep:])


# --- reading the shortener list -------------------------------------------------------------


@lru_cache(maxsize=1)
def _default_shorteners() -> frozenset[str]:
    return _read_shorteners(_DEFAULT_SHORTENERS)


def _read_shorteners(path: Path) -> frozenset[str]:
    lines = (line.split("#", 1)[0].strip().lower() for line in path.read_text("utf-8").splitlines())
    return frozenset(line for line in lines if line)


# --- finding the candidate ------------------------------------------------------------------


def _extract_all(text: str) -> list[_Found]:
    """Every candidate in `text`, in order."""
    refanged = _refang(text)
    candidates: list[_Found] = []
    for match in _TOKEN.finditer(refanged):
        token = match.group().lstrip(_LEADING_PUNCTUATION).rstrip(_TRAILING_PUNCTUATION)
        found = _parse_token(token, match.start()) if token else None
        if found is not None:
            candidates.append(found)
    return candidates


def _refang(text: str) -> str:
    """'hxxps://example[.]com' -> 'https://example.com'."""
    for pattern, replacement in _DEFANGED:
        text = pattern.sub(replacement, text)
    return text


def _parse_token(token: str, position: int) -> _Found | None:
    script = _SCRIPT_SCHEME.match(_without_hidden(token)[0])
    if script:
        return _Found("url", token, "", script.group(1).lower(), None, position, 0)
    mailto = _MAILTO.search(token)
    if mailto:
        return _parse_email(token[mailto.end() :].split("?", 1)[0], position)
    scheme = _SCHEME.search(token)
    # A scheme counts only when nothing URL-like precedes it ("Link:https://…" is fine,
    # "site.com/?next=https://…" is a link to site.com).
    if scheme and not any(char in token[: scheme.start()] for char in "/?#\\@."):
        return _parse_url(token[scheme.start() :], scheme, position)
    if "@" in token:
        local, _, rest = token.rpartition("@")
        if not any(char in rest for char in "/?#\\:"):
            return _parse_email(token, position)
        return _parse_bare(rest, position, userinfo=local)
    return _parse_bare(token, position, userinfo=None)


def _parse_url(token: str, scheme: re.Match[str], position: int) -> _Found | None:
    """'https://user@host:port/path' (`token` starts at the scheme)."""
    authority = _AUTHORITY_END.split(token[scheme.end() - scheme.start() :], maxsplit=1)[0]
    userinfo, at, host_port = authority.rpartition("@")
    raw_host, hidden = _without_hidden(_strip_port(host_port))
    host = _normalize_host(raw_host)
    if not host or not _looks_like_host(host):
        return None
    userinfo_or_none = userinfo if at else None
    return _Found("url", token, host, scheme.group(1).lower(), userinfo_or_none, position, 0,
                  hidden)  # fmt: skip


_SCRIPT_SCHEME = re.compile(r"(?i)^\W*(javascript|vbscript|data):")


def _without_hidden(text: str) -> tuple[str, bool]:
    """`text` without control and invisible format characters, and whether it had any."""
    kept = "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf"))
    return kept, kept != text


def _parse_email(token: str, position: int) -> _Found | None:
    local, _, domain = token.rpartition("@")
    local = re.split(r"[:=]", local)[-1]  # "From:support@…"
    visible, hidden = _without_hidden(domain)
    host = _normalize_host(visible)
    if not local or not _EMAIL_LOCAL.match(local) or not host:
        return None
    if not (_looks_like_domain(host) or (domain.startswith("[") and _is_ip(host))):
        return None
    return _Found("email", f"{local}@{domain}", host, None, None, position, 0, hidden)


def _parse_bare(token: str, position: int, userinfo: str | None) -> _Found | None:
    """A host without a scheme: 'example.com', 'bit.ly/abc', 'example.com:8080'."""
    token = _WORD_PREFIX.sub("", token)  # "Link:example.com"
    host_port, separator, _ = _partition_authority(token)
    raw_host = _strip_port(host_port)
    visible_host, hidden = _without_hidden(raw_host)
    host = _normalize_host(visible_host)
    if not host or not (_looks_like_domain(host) or _is_dotted_ipv4(host)):
        return None
    has_more = bool(separator) or raw_host != host_port or userinfo is not None
    if not has_more and host.rsplit(".", 1)[-1] in _FILE_EXTENSIONS:
        return None
    full = f"{userinfo}@{token}" if userinfo is not None else token
    strength = 0 if host.startswith("www.") else (1 if has_more else 2)
    kind: Kind = "url" if has_more else "domain"
    return _Found(kind, full, host, None, userinfo, position, strength, hidden)


def _partition_authority(token: str) -> tuple[str, str, str]:
    match = _AUTHORITY_END.search(token)
    if not match:
        return token, "", ""
    return token[: match.start()], match.group(), token[match.end() :]


def _strip_port(host_port: str) -> str:
    if host_port.startswith("["):  # [IPv6]:port
        return host_port.split("]", 1)[0] + "]"
    host, colon, port = host_port.rpartition(":")
    return host if colon and (port.isdigit() or not port) else host_port


# --- hosts ----------------------------------------------------------------------------------


def _normalize_host(raw: str) -> str:
    """Lower-case, NFKC-folded, percent- and IDNA-decoded host ('' when empty)."""
    host = unicodedata.normalize("NFKC", unquote(raw).translate(_DOT_VARIANTS)).lower()
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    host = host.rstrip(".")
    return ".".join(_decode_label(label) for label in host.split(".")) if host else ""


def _decode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna").lower()
    except UnicodeError:
        return label  # not valid punycode: keep it as written (still flagged)


def _looks_like_host(host: str) -> bool:
    """Lenient: any host a browser might accept after a scheme."""
    return _is_ip(host) or all(_LABEL.match(label) for label in host.split("."))


def _looks_like_domain(host: str) -> bool:
    """Strict, for text without a scheme: 'name.tld' with a 2+ letter TLD."""
    labels = host.split(".")
    return (
        len(labels) >= 2
        and all(_LABEL.match(label) for label in labels)
        and bool(_TLD.match(labels[-1]))
    )


def _is_dotted_ipv4(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv4Address)
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    """IPv4/IPv6, or what browsers read as IPv4 ('3232235777', '0x7f.1')."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]))


def _is_within(host: str, domains: Collection[str]) -> bool:
    """True when `host` is one of `domains` or a subdomain of one."""
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _split_registrable(registrable: str) -> tuple[str, str]:
    """'example.co.uk' -> ('example', 'co.uk')."""
    name, _, suffix = registrable.partition(".")
    return name, suffix


# --- judging --------------------------------------------------------------------------------


def _reasons(
    found: _Found, officials: Sequence[str], shorteners: frozenset[str]
) -> tuple[str, ...]:
    """Reason codes for a candidate, in `REASON_SENTENCES` order."""
    reasons: set[str] = set()
    if found.scheme in ("javascript", "vbscript", "data"):
        return (SCRIPT_URL,)
    if found.hidden:
        reasons.add(HIDDEN_CHARACTERS)
    if found.userinfo is not None:
        reasons.add(USERINFO_TRICK)
    if found.scheme == "http":
        reasons.add(INSECURE_HTTP)
    if _is_ip(found.host):
        reasons.add(IP_ADDRESS_HOST)
    elif not _is_within(found.host, officials):
        if _is_within(found.host, shorteners):
            reasons.add(URL_SHORTENER)
        reasons |= _lookalike_reasons(found.host, officials)
        if not reasons & _SUSPICIOUS:
            reasons.add(UNOFFICIAL_DOMAIN)
    if not reasons:
        reasons.add(OFFICIAL_DOMAIN)
    return tuple(code for code in REASON_SENTENCES if code in reasons)


def _verdict(reasons: tuple[str, ...]) -> Verdict:
    if reasons == (OFFICIAL_DOMAIN,):
        return "official"
    if UNOFFICIAL_DOMAIN in reasons:
        return "not_official"
    return "suspicious"  # a lookalike, a hidden destination, or one of ours over http


def _lookalike_reasons(host: str, officials: Sequence[str]) -> set[str]:
    """Lookalike flags for a host that is not official."""
    registrable = registrable_domain(host)
    name, suffix = _split_registrable(registrable)
    prefix = host[: len(host) - len(suffix) - 1] if suffix else host
    reasons: set[str] = set()
    name_inside = False
    for official in officials:
        official_registrable = registrable_domain(official)
        official_name, official_suffix = _split_registrable(official_registrable)
        if _embeds(prefix, official):
            reasons.add(OFFICIAL_DOMAIN_IN_SUBDOMAIN)
        if _is_homoglyph(registrable, official_registrable, name, official_name):
            reasons.add(HOMOGLYPH)
        elif _is_typosquat(name, suffix, official_name, official_suffix):
            reasons.add(TYPOSQUAT)
        name_inside = name_inside or _contains_name(host, official_name)
    if name_inside and not reasons:
        reasons.add(OFFICIAL_NAME_IN_DOMAIN)
    if any(not label.isascii() or label.startswith("xn--") for label in host.split(".")):
        reasons.add(PUNYCODE)
    return reasons


def _skeleton(text: str) -> str:
    """What `text` looks like: accents dropped, lookalikes mapped to the ASCII they imitate."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    skeleton = plain.translate(_CONFUSABLES)
    for pair, replacement in _CONFUSABLE_PAIRS:
        skeleton = skeleton.replace(pair, replacement)
    return skeleton


def _embeds(prefix: str, official: str) -> bool:
    """True when the official domain ('example.com' or 'example-com') sits in `prefix`.

    `prefix` is the host without its public suffix, so 'example.com.evil' for
    'example.com.evil.net'. The match must start and end on a label or hyphen boundary.
    """
    haystack = _skeleton(prefix)
    needle = _skeleton(official)
    for pattern in {needle, needle.replace(".", "-")}:
        for match in re.finditer(re.escape(pattern), haystack):
            before = haystack[match.start() - 1] if match.start() else "."
            after = haystack[match.end()] if match.end() < len(haystack) else "."
            if before in ".-" and after in ".-":
                return True
    return False


def _is_homoglyph(registrable: str, official: str, name: str, official_name: str) -> bool:
    """Looks the same as an official domain (or its name) but is spelled differently."""
    same_domain = _skeleton(registrable) == _skeleton(official) and registrable != official
    same_name = _skeleton(name) == _skeleton(official_name) and name != official_name
    return same_domain or same_name


def _is_typosquat(name: str, suffix: str, official_name: str, official_suffix: str) -> bool:
    """Our name under another ending, or one or two edits away from it."""
    if name == official_name:
        return suffix != official_suffix
    if len(official_name) < _MIN_NAME_LENGTH:
        return False
    allowed = 2 if len(official_name) >= _TWO_EDITS_FROM else 1
    return _edit_distance(name, official_name, limit=allowed) <= allowed


def _contains_name(host: str, official_name: str) -> bool:
    """The official name appears as whole hyphen/dot-separated words in the host."""
    if len(official_name) < _MIN_NAME_LENGTH:
        return False
    words = re.split(r"[.-]", _skeleton(host))
    wanted = re.split(r"[.-]", _skeleton(official_name))
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words)))


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, capped at `limit + 1`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)
