"""The lookalike checker: what it extracts, how it judges, and that it never goes online."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest

from bot.domain.link_check import (
    REASON_SENTENCES,
    PhishingVerdict,
    check,
    load_shorteners,
    registrable_domain,
)

OFFICIAL = ("example.com", "example-security.com")

# text, kind, host, verdict, reasons
CASES = [
    # script and data links, hidden characters, display-name tricks
    ("javascript:alert(1)", "url", "", "suspicious", {"script_url"}),
    ("click DATA:text/html;base64,PHNjcmlwdD4=", "url", "", "suspicious", {"script_url"}),
    ("https://exa\u200bmple.com/login", "url", "example.com", "suspicious",
     {"hidden_characters"}),
    ("https://account.example.com\x00.evil.net/", "url", "account.example.com.evil.net",
     "suspicious", {"hidden_characters", "official_domain_in_subdomain"}),
    ('From: "support@example.com" <help@examp1e-support.net>', "email", "examp1e-support.net",
     "suspicious", {"display_name_trick", "official_name_in_domain"}),
    # official hosts and subdomains over https
    ("https://example.com/login", "url", "example.com", "official", {"official_domain"}),
    ("https://account.example.com/reset", "url", "account.example.com", "official",
     {"official_domain"}),
    ("https://login.example-security.com", "url", "login.example-security.com", "official",
     {"official_domain"}),
    ("www.example.com/support", "url", "www.example.com", "official", {"official_domain"}),
    ("example.com", "domain", "example.com", "official", {"official_domain"}),
    # uppercase, ports, trailing punctuation, surrounding brackets
    ("HTTPS://ACCOUNT.EXAMPLE.COM/Reset", "url", "account.example.com", "official",
     {"official_domain"}),
    ("https://example.com:8443/login", "url", "example.com", "official", {"official_domain"}),
    ("Is this real? https://account.example.com/reset.", "url", "account.example.com",
     "official", {"official_domain"}),
    ("(see https://example.com/help),", "url", "example.com", "official", {"official_domain"}),
    ("Link:example.com", "domain", "example.com", "official", {"official_domain"}),
    # sender addresses
    ("support@example.com", "email", "example.com", "official", {"official_domain"}),
    ("no-reply@account.example.com", "email", "account.example.com", "official",
     {"official_domain"}),
    ("From: Support <SUPPORT@EXAMPLE.COM>", "email", "example.com", "official",
     {"official_domain"}),
    ("mailto:help@example-security.com?subject=hi", "email", "example-security.com",
     "official", {"official_domain"}),
    ("support@examp1e-security.com", "email", "examp1e-security.com", "suspicious",
     {"homoglyph"}),
    ("support@examp1e.com", "email", "examp1e.com", "suspicious", {"homoglyph"}),
    ("alerts@example-secure.com", "email", "example-secure.com", "suspicious",
     {"official_name_in_domain"}),
    ("newsletter@google.com", "email", "google.com", "not_official", {"unofficial_domain"}),
    # plain http
    ("http://example.com/login", "url", "example.com", "suspicious", {"insecure_http"}),
    ("http://account.example.com", "url", "account.example.com", "suspicious",
     {"insecure_http"}),
    ("http://evil.net/login", "url", "evil.net", "not_official",
     {"insecure_http", "unofficial_domain"}),
    # our domain inside someone else's
    ("example.com.evil.net/login", "url", "example.com.evil.net", "suspicious",
     {"official_domain_in_subdomain"}),
    ("https://secure.example.com.evil.net/", "url", "secure.example.com.evil.net",
     "suspicious", {"official_domain_in_subdomain"}),
    ("example-com.evil.net", "domain", "example-com.evil.net", "suspicious",
     {"official_domain_in_subdomain"}),
    ("examp1e.com.evil.net", "domain", "examp1e.com.evil.net", "suspicious",
     {"official_domain_in_subdomain"}),
    ("example.com.evil.net:8080", "url", "example.com.evil.net", "suspicious",
     {"official_domain_in_subdomain"}),
    ("https://%65xample.com.evil.net/", "url", "example.com.evil.net", "suspicious",
     {"official_domain_in_subdomain"}),
    ("login-example.com", "domain", "login-example.com", "suspicious",
     {"official_name_in_domain"}),
    # lookalike spellings
    ("examp1e.com", "domain", "examp1e.com", "suspicious", {"homoglyph"}),
    ("EXAMP1E.COM", "domain", "examp1e.com", "suspicious", {"homoglyph"}),
    ("exarnple.com", "domain", "exarnple.com", "suspicious", {"homoglyph"}),
    ("exampel.com", "domain", "exampel.com", "suspicious", {"typosquat"}),
    ("examples.com", "domain", "examples.com", "suspicious", {"typosquat"}),
    ("ex4mple.com", "domain", "ex4mple.com", "suspicious", {"typosquat"}),
    ("example.net", "domain", "example.net", "suspicious", {"typosquat"}),
    ("example.co.uk", "domain", "example.co.uk", "suspicious", {"typosquat"}),
    ("example-security.net", "domain", "example-security.net", "suspicious", {"typosquat"}),
    ("examplesecurity.com", "domain", "examplesecurity.com", "suspicious", {"typosquat"}),
    # international characters
    ("xn--exmple-cua.com", "domain", "exämple.com", "suspicious", {"punycode", "homoglyph"}),
    ("\u0435xample.com", "domain", "\u0435xample.com", "suspicious",
     {"punycode", "homoglyph"}),  # Cyrillic е
    ("https://\u0435\u0445\u0430mp\u04cf\u0435.com/", "url", "\u0435\u0445\u0430mp\u04cf\u0435.com",
     "suspicious", {"punycode", "homoglyph"}),  # Cyrillic е х а ӏ е
    ("https://\u03bf\u03c1en.example.com.evil.net", "url",
     "\u03bf\u03c1en.example.com.evil.net", "suspicious",
     {"punycode", "official_domain_in_subdomain"}),  # Greek ο ρ in a subdomain
    ("https://xn--80ak6aa92e.com/", "url", "\u0430\u0440\u0440\u04cf\u0435.com", "suspicious",
     {"punycode"}),  # an apple lookalike: unrelated to us, but still disguised
    # the @ decoy
    ("https://example.com@evil.net/login", "url", "evil.net", "suspicious",
     {"userinfo_trick"}),
    ("http://example.com@evil.net", "url", "evil.net", "suspicious",
     {"userinfo_trick", "insecure_http"}),
    ("example.com@evil.net/login", "url", "evil.net", "suspicious", {"userinfo_trick"}),
    ("https://evil.net@example.com/", "url", "example.com", "suspicious", {"userinfo_trick"}),
    # shorteners
    ("bit.ly/3abc", "url", "bit.ly", "suspicious", {"url_shortener"}),
    ("https://www.bit.ly/x", "url", "www.bit.ly", "suspicious", {"url_shortener"}),
    ("they sent tinyurl.com/y7abc", "url", "tinyurl.com", "suspicious", {"url_shortener"}),
    # raw IP addresses
    ("http://192.168.0.10/login", "url", "192.168.0.10", "suspicious",
     {"ip_address_host", "insecure_http"}),
    ("https://3232235530/signin", "url", "3232235530", "suspicious", {"ip_address_host"}),
    ("https://[2001:db8::1]:8443/x", "url", "2001:db8::1", "suspicious", {"ip_address_host"}),
    ("10.0.0.5/login", "url", "10.0.0.5", "suspicious", {"ip_address_host"}),
    # unrelated sites
    ("google.com", "domain", "google.com", "not_official", {"unofficial_domain"}),
    ("https://accounts.google.com/signin", "url", "accounts.google.com", "not_official",
     {"unofficial_domain"}),
    ("sample.com", "domain", "sample.com", "not_official", {"unofficial_domain"}),
    # defanged forms
    ("hxxps://example[.]com[.]evil[.]net/login", "url", "example.com.evil.net", "suspicious",
     {"official_domain_in_subdomain"}),
    ("hXXp://evil(.)net", "url", "evil.net", "not_official",
     {"insecure_http", "unofficial_domain"}),
    ("support[@]examp1e[dot]com", "email", "examp1e.com", "suspicious", {"homoglyph"}),
    # sentences
    ("Hi, I got a text with https://examp1e.com/reset?x=1 in it, is it legit?", "url",
     "examp1e.com", "suspicious", {"homoglyph"}),
    ("I clicked it.It said log in at examp1e.com/login", "url", "examp1e.com", "suspicious",
     {"homoglyph"}),
    ("is example.com/help the same as https://exampel.com?", "url", "exampel.com",
     "suspicious", {"typosquat"}),
    ("go to example.com/login?next=https://evil.net", "url", "example.com", "official",
     {"official_domain"}),
]  # fmt: skip

NOTHING = [
    "",
    "hello, I can't sign in",
    "my version 3.6.21 broke, e.g. after the update",
    "I attached report.pdf and notes.txt",
    "look (at) this",
    "https://",
]


@pytest.mark.parametrize(("text", "kind", "host", "verdict", "reasons"), CASES)
def test_verdicts(text: str, kind: str, host: str, verdict: str, reasons: set[str]) -> None:
    result = check(text, OFFICIAL)
    assert (result.kind, result.host, result.verdict) == (kind, host, verdict)
    assert set(result.reasons) == reasons
    assert len(result.reasons) == len(reasons)
    assert result.official is (verdict == "official")


@pytest.mark.parametrize("text", NOTHING)
def test_nothing_found(text: str) -> None:
    assert check(text, OFFICIAL) == PhishingVerdict(
        kind="none",
        found="",
        host="",
        registrable_domain="",
        official=False,
        verdict="nothing_found",
        reasons=("no_link_found",),
    )


@pytest.mark.parametrize(
    ("host", "registrable"),
    [
        ("example.com", "example.com"),
        ("a.b.example.com", "example.com"),
        ("example.com.evil.net", "evil.net"),
        ("shop.example.co.uk", "example.co.uk"),
        ("example.com.au", "example.com.au"),
        ("localhost", "localhost"),
        ("192.168.0.10", "192.168.0.10"),
    ],
)
def test_registrable_domain(host: str, registrable: str) -> None:
    assert registrable_domain(host) == registrable


def test_verdict_fields_for_a_lookalike_sender() -> None:
    result = check("It came from <alerts@Secure.Example.com.Evil.net>.", OFFICIAL)
    assert result == PhishingVerdict(
        kind="email",
        found="alerts@Secure.Example.com.Evil.net",
        host="secure.example.com.evil.net",
        registrable_domain="evil.net",
        official=False,
        verdict="suspicious",
        reasons=("official_domain_in_subdomain",),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.verdict = "official"  # type: ignore[misc]


def test_the_first_unmistakable_link_wins() -> None:
    # A bare name comes first, but the link with a scheme is what the customer means.
    assert check("my.name wrote: https://example.net/x", OFFICIAL).host == "example.net"
    # Among links of the same kind and verdict, the first one.
    assert check("https://google.com and https://evil.net", OFFICIAL).host == "google.com"


def test_every_link_is_judged_and_the_worst_wins() -> None:
    text = "is https://example.com real? it also links https://example.com.evil.net/login"
    verdict = check(text, OFFICIAL)
    assert verdict.host == "example.com.evil.net" and verdict.verdict == "suspicious"
    mixed = check("support@example.com sent me to https://google.com", OFFICIAL)
    assert mixed.verdict == "not_official" and mixed.host == "google.com"
    assert check("example.com and www.example-security.com", OFFICIAL).official


def test_reasons_come_in_a_stable_order() -> None:
    reasons = check("http://example.com@evil.net", OFFICIAL).reasons
    assert reasons == ("userinfo_trick", "insecure_http")


def test_every_reason_has_a_customer_sentence() -> None:
    texts = [text for text, *_ in CASES] + NOTHING
    seen = {reason for text in texts for reason in check(text, OFFICIAL).reasons}
    assert seen == set(REASON_SENTENCES)
    assert all(sentence.endswith(".") for sentence in REASON_SENTENCES.values())


def test_describe_names_the_host_and_gives_advice() -> None:
    text = check("https://example.com@evil.net/login", OFFICIAL).describe()
    assert text.startswith("I checked evil.net. The part before the '@' is a decoy")
    assert "do not open it" in text
    assert (
        check("support@example.com", OFFICIAL)
        .describe()
        .startswith("I checked example.com. It is one of our official addresses.")
    )
    assert check("nothing here", OFFICIAL).describe() == (
        "I could not find a link, email address or website name in that. "
        "Could you paste the link or the sender's address?"
    )


def test_official_domains_are_normalised_and_a_single_string_is_accepted() -> None:
    assert check("https://login.example.com", [" Example.COM. "]).verdict == "official"
    assert check("https://login.example.com", "example.com").verdict == "official"
    assert check("https://login.example.com", []).verdict == "not_official"


def test_custom_shortener_list() -> None:
    assert check("go.short.test/x", OFFICIAL, frozenset({"short.test"})).reasons == (
        "url_shortener",
    )
    assert check("bit.ly/x", OFFICIAL, frozenset()).reasons == ("unofficial_domain",)


def test_default_shortener_list() -> None:
    shorteners = load_shorteners()
    assert {"bit.ly", "tinyurl.com", "t.co", "goo.gl", "rb.gy", "lnkd.in"} <= shorteners
    assert len(shorteners) >= 30
    assert all(entry == entry.strip().lower() and "#" not in entry for entry in shorteners)


def test_load_shorteners_skips_comments_and_blanks(tmp_path: Path) -> None:
    path = tmp_path / "shorteners.txt"
    path.write_text("# services\nBit.ly\n\n  t.co  # Twitter\n", encoding="utf-8")
    assert load_shorteners(path) == frozenset({"bit.ly", "t.co"})
    assert load_shorteners(str(path)) == frozenset({"bit.ly", "t.co"})


def test_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the phishing check must not use the network")

    for name in ("socket", "create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse)
    for text, *_ in CASES:
        check(text, OFFICIAL)
