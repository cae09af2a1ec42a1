import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.domain.browser_guide import (
    DEFAULT_GUIDE_FILE,
    GENERIC,
    REQUIRED_KINDS,
    BrowserGuide,
    BrowserGuideError,
    Step,
    load_browser_guide,
    next_step,
)

PATTERNS = Path(__file__).resolve().parents[3] / "bot" / "rasa_plugins" / "nlu" / "patterns"
# NLU error ids that are about the account, not the browser: they get the generic steps.
NOT_BROWSER_ERRORS = {"incorrect credentials", "too many attempts"}


@pytest.fixture(scope="module")
def guide() -> BrowserGuide:
    return load_browser_guide()


def _pattern_ids(name: str) -> set[str]:
    lines = (PATTERNS / name).read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["id"] for line in lines if line.strip()}


# --- the shipped data file ------------------------------------------------------------------


def test_shipped_guide_has_every_kind_with_three_to_six_steps(guide: BrowserGuide) -> None:
    assert set(REQUIRED_KINDS) <= set(guide.kinds)
    for kind in guide.kinds:
        steps = guide.steps(kind, None)
        assert 3 <= len(steps) <= 6, kind
        assert len({step.id for step in steps}) == len(steps), kind
        assert all(step.text.strip() for step in steps), kind


def test_generic_steps_cover_the_usual_fixes(guide: BrowserGuide) -> None:
    ids = [step.id for step in guide.steps(GENERIC, None)]
    assert ids == [
        "private_window",
        "clear_cache",
        "update_browser",
        "disable_extensions",
        "other_browser",
    ]


def test_shipped_guide_sets_minimums_and_rejects_internet_explorer(guide: BrowserGuide) -> None:
    for browser_id in ("chrome", "firefox", "safari", "edge", "opera", "samsung internet"):
        browser = guide.browsers[browser_id]
        assert browser.supported and browser.min_version, browser_id
        assert browser.update, browser_id
    assert not guide.browsers["internet explorer"].supported


def test_every_browser_error_the_nlu_produces_has_specific_steps(guide: BrowserGuide) -> None:
    for error_id in _pattern_ids("errors.jsonl") - NOT_BROWSER_ERRORS:
        assert guide.error_kind(error_id) != GENERIC, error_id


def test_guide_browser_ids_are_ones_the_nlu_produces(guide: BrowserGuide) -> None:
    assert set(guide.browsers) <= _pattern_ids("browsers.jsonl")


# --- mapping entities and free text to a kind -----------------------------------------------


@pytest.mark.parametrize(
    ("entity", "expected"),
    [
        ("too many redirects", "too_many_redirects"),
        ("cookies disabled", "cookies_disabled"),
        ("blank page", "blank_page"),
        ("captcha", "captcha"),
        ("unsupported browser", "unsupported_version"),
        ("session expired", "session_expired"),
        ("connection error", "connection"),
        ("  Too Many Redirects ", "too_many_redirects"),
        ("blank_page", "blank_page"),
    ],
)
def test_error_entities_map_to_kinds(guide: BrowserGuide, entity: str, expected: str) -> None:
    assert guide.error_kind(entity) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the login page is just a white screen", "blank_page"),
        ("Chrome says ERR_TOO_MANY_REDIRECTS", "too_many_redirects"),
        ("it says my browser is outdated", "unsupported_version"),
        ("it keeps asking me to enable cookies", "cookies_disabled"),
        ("the reCAPTCHA never accepts my answer", "captcha"),
        ("I get ERR_CONNECTION_REFUSED", "connection"),
        ("it doesn't work", GENERIC),
        ("", GENERIC),
        # a phrase must be whole words: "dns" is not inside "addnsomething"
        ("addnsomething odd happens", GENERIC),
    ],
)
def test_free_text_maps_to_kinds(guide: BrowserGuide, text: str, expected: str) -> None:
    assert guide.error_kind(None, text) == expected


def test_entity_wins_over_text(guide: BrowserGuide) -> None:
    assert guide.error_kind("captcha", "and then a white screen") == "captcha"


def test_unknown_entity_falls_back_to_text_then_generic(guide: BrowserGuide) -> None:
    assert guide.error_kind("incorrect credentials", "then a blank page") == "blank_page"
    assert guide.error_kind("incorrect credentials", "my password is wrong") == GENERIC


# --- steps: order and browser-specific wording ----------------------------------------------


def test_steps_keep_the_file_order(guide: BrowserGuide) -> None:
    raw = yaml.safe_load(DEFAULT_GUIDE_FILE.read_text(encoding="utf-8"))
    for kind, entry in raw["error_kinds"].items():
        assert [s.id for s in guide.steps(kind, None)] == [s["id"] for s in entry["steps"]]


def test_browser_specific_wording_for_cookies(guide: BrowserGuide) -> None:
    chrome = guide.steps("cookies_disabled", "chrome")[0]
    safari = guide.steps("cookies_disabled", "safari")[0]
    firefox = guide.steps("cookies_disabled", "firefox")[0]
    default = guide.steps("cookies_disabled", None)[0]
    assert chrome.id == safari.id == firefox.id == default.id == "allow_cookies"
    assert "Chrome" in chrome.text
    assert "Block all cookies" in safari.text
    assert "Tracking Protection" in firefox.text
    assert len({chrome.text, safari.text, firefox.text, default.text}) == 4


def test_aliases_and_case_pick_the_same_wording(guide: BrowserGuide) -> None:
    assert guide.steps("generic", "Google Chrome") == guide.steps("generic", "chrome")


def test_unknown_browser_gets_default_wording(guide: BrowserGuide) -> None:
    assert guide.steps("generic", "vivaldi") == guide.steps("generic", None)


def test_steps_for_an_unknown_kind_name_the_kinds(guide: BrowserGuide) -> None:
    with pytest.raises(KeyError, match=r"unknown error kind 'sunspots'.*generic"):
        guide.steps("sunspots", None)


# --- one step at a time ---------------------------------------------------------------------


def test_next_step_walks_the_list_then_runs_out(guide: BrowserGuide) -> None:
    all_steps = guide.steps("too_many_redirects", "firefox")
    shown = [
        guide.next_step("too_many_redirects", "firefox", done) for done in range(len(all_steps))
    ]
    assert shown == all_steps
    assert guide.next_step("too_many_redirects", "firefox", len(all_steps)) is None
    assert guide.next_step("too_many_redirects", "firefox", len(all_steps) + 3) is None


def test_next_step_rejects_a_negative_count(guide: BrowserGuide) -> None:
    with pytest.raises(ValueError, match="steps_done"):
        guide.next_step(GENERIC, None, -1)


def test_module_next_step_uses_the_default_guide(guide: BrowserGuide) -> None:
    assert next_step("blank_page", "edge", 1) == guide.next_step("blank_page", "edge", 1)
    assert isinstance(next_step(GENERIC, None, 0), Step)


# --- version advice -------------------------------------------------------------------------


def _minimum(guide: BrowserGuide, browser: str) -> str:
    minimum = guide.browsers[browser].min_version
    assert minimum is not None
    return minimum


def test_version_below_minimum_names_the_minimum(guide: BrowserGuide) -> None:
    advice = guide.version_advice("chrome", "chrome 96")
    assert advice is not None
    assert "Chrome 96" in advice
    assert f"Chrome {_minimum(guide, 'chrome')}" in advice
    assert "About Google Chrome" in advice


def test_dotted_version_below_minimum(guide: BrowserGuide) -> None:
    advice = guide.version_advice("safari", "safari 15.4")
    assert advice is not None and "Safari 15.4" in advice


@pytest.mark.parametrize("browser", ["chrome", "firefox", "safari", "edge", "opera"])
def test_version_at_minimum_needs_no_advice(guide: BrowserGuide, browser: str) -> None:
    minimum = _minimum(guide, browser)
    assert guide.version_advice(browser, f"{browser} {minimum}") is None
    assert guide.version_advice(browser, f"{browser} {minimum}.0.1") is None


def test_version_just_below_and_above_minimum(guide: BrowserGuide) -> None:
    minimum = int(_minimum(guide, "firefox"))
    assert guide.version_advice("firefox", f"firefox {minimum - 1}.9") is not None
    assert guide.version_advice("firefox", f"firefox {minimum + 10}") is None


@pytest.mark.parametrize(
    "text",
    ["96", "version 96", "Chrome 96.0.4664.110", "I'm on google chrome 96.", "chrome v96"],
)
def test_version_is_found_in_various_wordings(guide: BrowserGuide, text: str) -> None:
    advice = guide.version_advice("chrome", text)
    assert advice is not None and "Chrome 96" in advice


def test_version_numbers_not_tied_to_the_browser_are_ignored(guide: BrowserGuide) -> None:
    assert guide.version_advice("chrome", "windows 10 and chrome") is None
    assert guide.version_advice("chrome", None) is None
    assert guide.version_advice("chrome", "the latest one") is None


def test_browser_can_come_from_the_version_text(guide: BrowserGuide) -> None:
    advice = guide.version_advice(None, "Safari 15.4")
    assert advice is not None and "Safari 15.4" in advice


@pytest.mark.parametrize(
    ("browser", "text"),
    [
        ("internet explorer", "internet explorer 11"),
        ("internet explorer", None),
        ("IE", "99"),
        (None, "ie 11"),
    ],
)
def test_internet_explorer_is_always_unsupported(
    guide: BrowserGuide, browser: str | None, text: str | None
) -> None:
    advice = guide.version_advice(browser, text)
    assert advice is not None
    assert "Internet Explorer" in advice and "Edge" in advice


@pytest.mark.parametrize(
    ("browser", "text"),
    [("netscape", "netscape 4"), ("vivaldi", "vivaldi 1"), ("brave", "brave 1.2"), (None, "96")],
)
def test_unknown_browser_or_no_minimum_gives_no_advice(
    guide: BrowserGuide, browser: str | None, text: str
) -> None:
    assert guide.version_advice(browser, text) is None


# --- bad data files -------------------------------------------------------------------------

STEP = {"id": "s1", "text": "Do one thing."}


def _valid_data() -> dict:
    return {
        "browsers": {
            "chrome": {"name": "Chrome", "min_version": 100, "update": "Update Chrome."},
            "internet explorer": {"name": "IE", "supported": False, "advice": "Use Edge."},
        },
        "error_kinds": {kind: {"matches": [], "steps": [dict(STEP)]} for kind in REQUIRED_KINDS},
    }


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "browsers.yml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def test_minimal_valid_file_loads(tmp_path: Path) -> None:
    guide = load_browser_guide(_write(tmp_path, _valid_data()))
    assert guide.steps(GENERIC, "chrome") == [Step("s1", "Do one thing.")]
    assert guide.version_advice("chrome", "chrome 99") is not None


def test_quoted_dotted_minimum_compares_as_a_version(tmp_path: Path) -> None:
    data = _valid_data()
    data["browsers"]["chrome"]["min_version"] = "17.10"
    guide = load_browser_guide(_write(tmp_path, data))
    assert guide.version_advice("chrome", "chrome 17.9") is not None
    assert guide.version_advice("chrome", "chrome 17.10") is None


def test_trailing_zeros_do_not_change_a_version(tmp_path: Path) -> None:
    data = _valid_data()
    data["browsers"]["chrome"]["min_version"] = "17.0"
    guide = load_browser_guide(_write(tmp_path, data))
    assert guide.version_advice("chrome", "chrome 17") is None
    assert guide.version_advice("chrome", "chrome 16.9") is not None


def _break(change: Callable[[dict], object]) -> dict:
    data = _valid_data()
    change(data)
    return data


def _same_phrase_in_two_kinds(data: dict) -> None:
    data["error_kinds"]["captcha"]["matches"] = ["captcha"]
    data["error_kinds"]["blank_page"]["matches"] = ["Captcha"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", r"the file must be a mapping, got nothing"),
        ("- a\n- b\n", r"the file must be a mapping, got list"),
        ("browsers: [unclosed\n", r"not valid YAML"),
        (
            _break(lambda d: d.pop("browsers")),
            r"browsers must be a mapping, got nothing",
        ),
        (
            _break(lambda d: d.update(extra=1)),
            r"the file: unknown key\(s\) extra",
        ),
        (
            _break(lambda d: d["error_kinds"].pop("captcha")),
            r"error_kinds: missing captcha",
        ),
        (
            _break(lambda d: d["error_kinds"]["captcha"].update(steps=[])),
            r"error_kinds\.captcha\.steps must be a non-empty list",
        ),
        (
            _break(lambda d: d["error_kinds"]["captcha"]["steps"][0].pop("text")),
            r"error_kinds\.captcha\.steps\[0\]\.text is missing",
        ),
        (
            _break(lambda d: d["error_kinds"]["captcha"]["steps"].append(dict(STEP))),
            r"error_kinds\.captcha\.steps\[1\]: step id 's1' is repeated",
        ),
        (
            _break(lambda d: d["error_kinds"]["captcha"]["steps"][0].update(id="Step One")),
            r"error_kinds\.captcha\.steps\[0\]\.id must be lower-case",
        ),
        (
            _break(
                lambda d: d["error_kinds"]["captcha"]["steps"][0].update(browsers={"crome": "x"})
            ),
            r"error_kinds\.captcha\.steps\[0\]\.browsers: unknown browser 'crome'",
        ),
        (
            _break(lambda d: d["error_kinds"]["captcha"]["steps"][0].update(txet="typo")),
            r"error_kinds\.captcha\.steps\[0\]: unknown key\(s\) txet",
        ),
        (
            _break(_same_phrase_in_two_kinds),
            r"error_kinds\.captcha\.matches: 'captcha' is also in error_kinds\.blank_page\.matches",
        ),
        (
            _break(lambda d: d["error_kinds"]["connection"].update(matches="connection error")),
            r"error_kinds\.connection\.matches must be a list of non-empty texts",
        ),
        (
            _break(lambda d: d["browsers"]["chrome"].pop("name")),
            r"browsers\.chrome\.name is missing",
        ),
        (
            _break(lambda d: d["browsers"]["chrome"].pop("update")),
            r"browsers\.chrome\.update is missing",
        ),
        (
            _break(lambda d: d["browsers"]["chrome"].update(min_version="one hundred")),
            r"browsers\.chrome\.min_version must be a version such as 120",
        ),
        (
            _break(lambda d: d["browsers"]["chrome"].update(min_version=17.1)),
            r"browsers\.chrome\.min_version: write a version with a dot in quotes",
        ),
        (
            _break(lambda d: d["browsers"]["chrome"].update(supported="no")),
            r"browsers\.chrome\.supported must be true or false",
        ),
        (
            _break(lambda d: d["browsers"]["internet explorer"].pop("advice")),
            r"browsers\.internet explorer\.advice is missing",
        ),
        (
            _break(lambda d: d["browsers"]["internet explorer"].update(min_version=11)),
            r"browsers\.internet explorer: an unsupported browser cannot have min_version",
        ),
        (
            _break(lambda d: d["browsers"]["chrome"].update(aliases=["internet explorer"])),
            r"name 'internet explorer' is already used by browsers\.",
        ),
    ],
)
def test_bad_data_files_say_what_is_wrong(tmp_path: Path, data: object, message: str) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(BrowserGuideError, match=message) as raised:
        load_browser_guide(path)
    assert str(path) in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yml"
    with pytest.raises(ValueError, match=r"cannot read browser guide .*nope\.yml"):
        load_browser_guide(missing)
