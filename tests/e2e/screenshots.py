"""Screenshots of the chat widget mid-conversation, at desktop and phone width.

    python -m tests.e2e.screenshots docs/screenshots

starts the real assistant (`python -m bot serve` on free ports, temporary databases) and the
demo page, holds the reset conversation in headless Chromium and writes
`widget-desktop.png` (1280×800) and `widget-phone.png` (360×740) into the folder given.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    browser_unavailable,
    chromium,
    demo_app,
    open_tab,
    reset_conversation,
    started_assistant,
    web_servers,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

SHOTS = (("widget-desktop.png", DESKTOP), ("widget-phone.png", PHONE))


def take_screenshots(
    out_dir: Path, *, demo_url: str | None = None, browser: Browser | None = None
) -> list[Path]:
    """Write the widget screenshots into `out_dir`; returns their paths.

    Args:
        out_dir: the folder to write into (created if missing).
        demo_url: a demo page whose widget talks to a running assistant; when missing, the
            assistant and the demo page are started here and stopped afterwards.
        browser: a launched Chromium to reuse; when missing, one is launched here.
    """
    with ExitStack() as stack:
        if demo_url is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shots-")))
            assistant = stack.enter_context(started_assistant(work))
            servers = stack.enter_context(web_servers())
            demo_url = servers.serve(lambda: demo_app(assistant.rasa_url))
        if browser is None:
            browser = stack.enter_context(chromium())
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for name, viewport in SHOTS:
            tab = open_tab(browser, viewport)
            try:
                chat = reset_conversation(tab.page, demo_url)
                chat.input.blur()
                path = out_dir / name
                tab.page.screenshot(path=str(path), animations="disabled")
                written.append(path)
            finally:
                tab.page.context.close()
        return written


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.e2e.screenshots OUT_DIR`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder for the PNG files")
    args = parser.parse_args(argv)
    reason = browser_unavailable()
    if reason:
        print(f"error: cannot take screenshots: {reason}", file=sys.stderr)
        return 1
    for path in take_screenshots(args.out_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
