"""Step-by-step help when the sign-in page misbehaves in a browser.

The facts live in a data file (`bot/data/browsers.yml`): the oldest supported version of
each browser, and per kind of problem an ordered list of steps with browser-specific wording.
The dialogue shows one step, asks whether it helped, and on "no" asks for the next one
(`BrowserGuide.next_step`); when the steps run out it offers a person.

    guide = load_browser_guide()
    kind = guide.error_kind(error_entity, text)   # "too many redirects" -> "too_many_redirects"
    step = guide.next_step(kind, browser, steps_done=0)
    advice = guide.version_advice("chrome", "chrome 96")
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_GUIDE_FILE = Path(__file__).resolve().parent.parent / "data" / "browsers.yml"
GENERIC = "generic"
# Every guide must have steps for these kinds; a data file may add more.
REQUIRED_KINDS = (
    "cookies_disabled",
    "too_many_redirects",
    "blank_page",
    "captcha",
    "unsupported_version",
    "session_expired",
    "connection",
    GENERIC,
)
_TOP_KEYS = {"reviewed", "browsers", "error_kinds"}
_BROWSER_KEYS = {"name", "aliases", "min_version", "update", "supported", "advice"}
_KIND_KEYS = {"matches", "steps"}
_STEP_KEYS = {"id", "text", "browsers"}
_STEP_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_VERSION = r"(\d+(?:\.\d+)*)"
_VERSION_TEXT = re.compile(rf"^{_VERSION}$")


class BrowserGuideError(ValueError):
    """The browser guide data file is missing, unreadable or wrongly shaped."""


@dataclass(frozen=True)
class Step:
    """One troubleshooting step: a stable id (for slots and analytics) and what to say."""

    id: str
    text: str


@dataclass(frozen=True)
class Browser:
    """A browser the guide knows: its name, how to update it, the oldest version that works.

    `min_version` is None when the guide sets no minimum (then there is no version advice);
    `supported` is False for a browser the sign-in page never works in, with `advice` to say.
    """

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    min_version: str | None = None
    update: str = ""
    supported: bool = True
    advice: str = ""


@dataclass(frozen=True)
class StepTemplate:
    """A step as the data file defines it: default text plus per-browser replacements."""

    id: str
    text: str
    browser_texts: Mapping[str, str] = field(default_factory=dict)

    def for_browser(self, browser_id: str | None) -> Step:
        """The step worded for `browser_id` (the default wording when it has none)."""
        text = self.browser_texts.get(browser_id, self.text) if browser_id else self.text
        return Step(id=self.id, text=text)


@dataclass(frozen=True)
class ErrorKind:
    """A kind of problem: the phrases that mean it and its steps, in the order shown."""

    name: str
    matches: tuple[str, ...]
    steps: tuple[StepTemplate, ...]


@dataclass(frozen=True)
class BrowserGuide:
    """Browsers and troubleshooting steps, as loaded from the data file.

    Attributes:
        browsers: browser id (as the NLU produces it, e.g. "samsung internet") -> Browser.
        kinds: error kind name -> ErrorKind, in file order (the order free text is matched in).
    """

    browsers: Mapping[str, Browser]
    kinds: Mapping[str, ErrorKind]

    def browser_id(self, browser: str | None) -> str | None:
        """The guide's id for a browser name or alias ("Google Chrome" -> "chrome"), or None."""
        if not browser:
            return None
        wanted = _normalise(browser)
        for known in self.browsers.values():
            if wanted == known.id or wanted in known.aliases:
                return known.id
        return None

    def error_kind(self, error_entity: str | None, text: str = "") -> str:
        """Which kind of problem the customer has.

        The NLU `error` entity decides when it is one the guide knows ("too many redirects"
        -> "too_many_redirects"); otherwise the first kind (in file order) with a phrase in
        `text` ("the page is just a white screen" -> "blank_page"); otherwise "generic".

        Args:
            error_entity: the `error` entity value, e.g. "cookies disabled", or None.
            text: the customer's message.

        Returns:
            The name of an error kind in this guide.
        """
        if error_entity:
            entity = _normalise(error_entity)
            if entity in self.kinds:
                return entity
            for kind in self.kinds.values():
                if entity in kind.matches:
                    return kind.name
        message = _normalise(text)
        if message:
            for kind in self.kinds.values():
                if any(_contains_phrase(message, phrase) for phrase in kind.matches):
                    return kind.name
        return GENERIC

    def steps(self, kind: str, browser: str | None) -> list[Step]:
        """All steps for `kind`, in order, worded for `browser` where the guide says how.

        Args:
            kind: an error kind name, as returned by `error_kind`.
            browser: a browser id or alias, or None; unknown browsers get the default wording.

        Raises:
            KeyError: the guide has no such kind.
        """
        try:
            templates = self.kinds[kind].steps
        except KeyError:
            raise KeyError(f"unknown error kind {kind!r}; known: {', '.join(self.kinds)}") from None
        browser_id = self.browser_id(browser)
        return [template.for_browser(browser_id) for template in templates]

    def next_step(self, kind: str, browser: str | None, steps_done: int) -> Step | None:
        """The step to show after `steps_done` steps did not help, or None when none are left.

        Args:
            kind: an error kind name, as returned by `error_kind`.
            browser: a browser id or alias, or None.
            steps_done: how many steps of this kind the customer has already been shown.

        Returns:
            The next step, or None when the steps are exhausted (then offer a person).

        Raises:
            ValueError: `steps_done` is negative.
            KeyError: the guide has no such kind.
        """
        if steps_done < 0:
            raise ValueError(f"steps_done must be 0 or more, not {steps_done}")
        steps = self.steps(kind, browser)
        return steps[steps_done] if steps_done < len(steps) else None

    def version_advice(self, browser: str | None, version_text: str | None) -> str | None:
        """What to tell a customer about their browser version, if anything.

        A version is read from text such as "chrome 96", "Safari 15.4", "version 120.0.1" or
        a bare "96". When `browser` is None the browser is looked for in `version_text`.

        Args:
            browser: a browser id or alias, e.g. "chrome", or None.
            version_text: what the customer said about the version, or None.

        Returns:
            For an unsupported browser (Internet Explorer), its advice, whatever the version.
            For a version below the minimum, a sentence naming the minimum and how to update.
            None when there is nothing to advise: unknown browser, no minimum for it, no
            version found in the text, or a version at or above the minimum.
        """
        browser_id = self.browser_id(browser) if browser else self._browser_in(version_text)
        if browser_id is None:
            return None
        known = self.browsers[browser_id]
        if not known.supported:
            return known.advice
        if known.min_version is None or not version_text:
            return None
        version = _find_version(version_text, (known.id, *known.aliases))
        if version is None or _version_key(version) >= _version_key(known.min_version):
            return None
        return (
            f"{known.name} {version} is too old for our sign-in page, which needs "
            f"{known.name} {known.min_version} or newer. {known.update}"
        )

    def _browser_in(self, text: str | None) -> str | None:
        message = _normalise(text or "")
        for known in self.browsers.values():
            if any(_contains_phrase(message, name) for name in (known.id, *known.aliases)):
                return known.id
        return None


def next_step(
    kind: str, browser: str | None, steps_done: int, guide: BrowserGuide | None = None
) -> Step | None:
    """`BrowserGuide.next_step` on `guide`, or on the default data file when it is None."""
    return (guide or default_browser_guide()).next_step(kind, browser, steps_done)


@lru_cache(maxsize=1)
def default_browser_guide() -> BrowserGuide:
    """The guide from the default data file, read on first use."""
    return load_browser_guide()


def load_browser_guide(path: Path | str | None = None) -> BrowserGuide:
    """Read and check a browser guide data file.

    Args:
        path: the YAML file; `bot/data/browsers.yml` when None.

    Returns:
        The guide.

    Raises:
        BrowserGuideError: (a ValueError) the file cannot be read or parsed, or something in
            it is missing or wrongly shaped; the message names the file and the entry.
    """
    path = Path(path) if path is not None else DEFAULT_GUIDE_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BrowserGuideError(f"cannot read browser guide {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise BrowserGuideError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return _parse_guide(raw)
    except BrowserGuideError as exc:
        raise BrowserGuideError(f"{path}: {exc}") from None


# --- parsing and checking the data file ---------------------------------------------------


def _parse_guide(raw: Any) -> BrowserGuide:
    top = _mapping(raw, "the file", _TOP_KEYS)
    browsers_raw = _mapping(top.get("browsers"), "browsers")
    kinds_raw = _mapping(top.get("error_kinds"), "error_kinds")
    browsers: dict[str, Browser] = {}
    seen_names: dict[str, str] = {}
    for key, entry in browsers_raw.items():
        browser = _parse_browser(str(key), entry)
        for name in (browser.id, *browser.aliases):
            if name in seen_names:
                raise BrowserGuideError(
                    f"browsers.{browser.id}: name {name!r} is already used by "
                    f"browsers.{seen_names[name]}"
                )
            seen_names[name] = browser.id
        browsers[browser.id] = browser
    missing = [kind for kind in REQUIRED_KINDS if kind not in kinds_raw]
    if missing:
        raise BrowserGuideError(f"error_kinds: missing {', '.join(missing)}")
    kinds: dict[str, ErrorKind] = {}
    seen_phrases: dict[str, str] = {}
    for key, entry in kinds_raw.items():
        kind = _parse_kind(str(key), entry, browsers)
        for phrase in kind.matches:
            if phrase in seen_phrases:
                raise BrowserGuideError(
                    f"error_kinds.{kind.name}.matches: {phrase!r} is also in "
                    f"error_kinds.{seen_phrases[phrase]}.matches"
                )
            seen_phrases[phrase] = kind.name
        kinds[kind.name] = kind
    return BrowserGuide(browsers=browsers, kinds=kinds)


def _parse_browser(key: str, raw: Any) -> Browser:
    where = f"browsers.{key}"
    entry = _mapping(raw, where, _BROWSER_KEYS)
    supported = entry.get("supported", True)
    if not isinstance(supported, bool):
        raise BrowserGuideError(f"{where}.supported must be true or false, not {supported!r}")
    min_version = _min_version(entry.get("min_version"), f"{where}.min_version")
    if supported:
        if entry.get("advice") is not None:
            raise BrowserGuideError(f"{where}.advice is only for browsers with supported: false")
        update = _text(entry, "update", where) if min_version else ""
    else:
        if min_version is not None:
            raise BrowserGuideError(f"{where}: an unsupported browser cannot have min_version")
        update = ""
    return Browser(
        id=_normalise(key),
        name=_text(entry, "name", where),
        aliases=tuple(_normalise(a) for a in _strings(entry.get("aliases"), f"{where}.aliases")),
        min_version=min_version,
        update=update,
        supported=supported,
        advice="" if supported else _text(entry, "advice", where),
    )


def _min_version(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        raise BrowserGuideError(
            f'{where}: write a version with a dot in quotes ("{value}"), so YAML keeps it '
            "as written"
        )
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BrowserGuideError(f'{where} must be a version such as 120 or "17.4"')
    text = str(value).strip()
    if not _VERSION_TEXT.match(text):
        raise BrowserGuideError(f'{where} must be a version such as 120 or "17.4", not {text!r}')
    return text


def _parse_kind(name: str, raw: Any, browsers: Mapping[str, Browser]) -> ErrorKind:
    where = f"error_kinds.{name}"
    entry = _mapping(raw, where, _KIND_KEYS)
    matches = tuple(_normalise(m) for m in _strings(entry.get("matches"), f"{where}.matches"))
    steps_raw = entry.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise BrowserGuideError(f"{where}.steps must be a non-empty list of steps")
    steps: list[StepTemplate] = []
    for index, step_raw in enumerate(steps_raw):
        step = _parse_step(step_raw, f"{where}.steps[{index}]", browsers)
        if any(step.id == earlier.id for earlier in steps):
            raise BrowserGuideError(f"{where}.steps[{index}]: step id {step.id!r} is repeated")
        steps.append(step)
    return ErrorKind(name=name, matches=matches, steps=tuple(steps))


def _parse_step(raw: Any, where: str, browsers: Mapping[str, Browser]) -> StepTemplate:
    entry = _mapping(raw, where, _STEP_KEYS)
    step_id = _text(entry, "id", where)
    if not _STEP_ID.match(step_id):
        raise BrowserGuideError(
            f"{where}.id must be lower-case letters, digits and underscores, not {step_id!r}"
        )
    texts: dict[str, str] = {}
    for key, value in _mapping(entry.get("browsers") or {}, f"{where}.browsers").items():
        browser_id = _normalise(str(key))
        if browser_id not in browsers:
            raise BrowserGuideError(
                f"{where}.browsers: unknown browser {key!r}; known: {', '.join(browsers)}"
            )
        if not isinstance(value, str) or not value.strip():
            raise BrowserGuideError(f"{where}.browsers.{key} must be a non-empty text")
        texts[browser_id] = _clean(value)
    return StepTemplate(id=step_id, text=_text(entry, "text", where), browser_texts=texts)


def _mapping(value: Any, where: str, allowed: set[str] | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        shown = "nothing" if value is None else type(value).__name__
        raise BrowserGuideError(f"{where} must be a mapping, got {shown}")
    if allowed is not None:
        unknown = sorted(str(k) for k in value if k not in allowed)
        if unknown:
            expected = ", ".join(sorted(allowed))
            raise BrowserGuideError(
                f"{where}: unknown key(s) {', '.join(unknown)}; expected {expected}"
            )
    return value


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BrowserGuideError(f"{where}.{key} is missing or not a non-empty text")
    return _clean(value)


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise BrowserGuideError(f"{where} must be a list of non-empty texts")
    return value


# --- text helpers ---------------------------------------------------------------------------


def _clean(text: str) -> str:
    return " ".join(text.split())


def _normalise(text: str) -> str:
    return " ".join(text.replace("’", "'").lower().split())


def _contains_phrase(message: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", message) is not None


def _find_version(text: str, names: tuple[str, ...]) -> str | None:
    """A version tied to one of `names` ("chrome 96"), to the word "version", or the bare text."""
    message = _normalise(text)
    named = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    for pattern in (
        rf"(?<!\w)(?:{named})(?:'s)?\s*(?:version\s*|v\.?\s*)?(?:is\s*)?{_VERSION}(?!\w)",
        rf"(?<!\w)(?:version|v\.?)\s*(?:is\s*)?{_VERSION}(?!\w)",
        rf"^{_VERSION}$",
    ):
        found = re.search(pattern, message)
        if found:
            return found.group(1)
    return None


def _version_key(version: str) -> tuple[int, ...]:
    parts = [int(part) for part in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)
