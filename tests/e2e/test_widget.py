"""The chat widget in headless Chromium: the real reset conversation, reloads, a server
restart, hostile markup, keyboard use, accessibility, a phone screen and screenshots."""

from __future__ import annotations

import json
import sqlite3
import struct
from pathlib import Path

import pytest
import yaml
from aiohttp import web

from bot.bootstrap import Container
from bot.settings import PROJECT_ROOT
from bot.web.demo import add_web_routes
from tests.e2e.conftest import (
    HOSTILE_REPLIES,
    PHONE,
    XSS,
    Assistant,
    Chat,
    Tab,
    WebServers,
    demo_app,
    reset_conversation,
    skip_or_fail_without_browser,
)
from tests.http_fakes import wait_for_mail

skip_or_fail_without_browser()

from playwright.sync_api import Browser, expect  # noqa: E402  (only once the skip is decided)

from tests.e2e.screenshots import take_screenshots  # noqa: E402


def user_turns(tracker_db: Path, sender_id: str) -> list[str]:
    """What the customer said in one conversation, in order, from Rasa's tracker store."""
    with sqlite3.connect(tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (sender_id,),
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def test_rasa_uses_the_socketio_channel_that_joins_the_session_room() -> None:
    # Rasa's own `socketio` channel never joins the session's room under python-socketio 5,
    # so with session persistence no bot message would ever reach the widget.
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    assert "socketio" not in credentials, (
        "use bot.rasa_plugins.socketio.SocketIOInput in credentials.yml"
    )
    channel = credentials.get("bot.rasa_plugins.socketio.SocketIOInput") or {}
    assert channel.get("session_persistence") is True
    assert channel.get("user_message_evt") == "user_uttered"
    assert channel.get("bot_message_evt") == "bot_uttered"


def test_reset_conversation_survives_a_reload_and_a_server_restart(
    tab: Tab, assistant: Assistant, assistant_container: Container, rasa_demo_url: str
) -> None:
    assistant_container.directory.add_account("web-user@example.com", name="Web User")
    page = tab.page

    # The whole reset conversation, typed.
    chat = reset_conversation(page, rasa_demo_url, email="web-user@example.com")
    session_id = chat.session_id()
    assert session_id
    [email] = wait_for_mail(assistant_container.outbox, "web-user@example.com")
    assert "?token=" in email.body

    # After a reload: the same history, the same session, and the bot still has the context
    # (a "Yes" right after "anything else?" means "more help", not a new request).
    page.reload()
    chat = Chat(page)
    expect(chat.user_messages("I forgot my password")).to_have_count(1)
    chat.expect_bot("If an account exists for web-user@example.com", count=1)
    chat.expect_online()
    assert chat.session_id() == session_id
    chat.reply("Yes")
    expect(chat.user_messages("Yes")).to_be_visible()
    chat.expect_bot("what else can I do for you")

    # The server goes away: a clear message, and what is typed meanwhile waits.
    assistant.stop()
    expect(chat.status).to_contain_text("Can't reach the chat server", timeout=20_000)
    chat.say("hi")
    expect(chat.log.locator(".sc-pending")).to_have_count(1)

    # It comes back on the same port: the widget reconnects by itself, sends what waited,
    # and the conversation goes on in the same session, with buttons: the assistant still
    # knows the email address, so a second reset needs no question.
    assistant.start()
    chat.expect_online(timeout=30_000)
    chat.expect_bot("sign-in assistant", count=2, timeout=30_000)
    expect(chat.log.locator(".sc-pending")).to_have_count(0)
    chat.reply("I forgot my password")
    chat.expect_bot("If an account exists for web-user@example.com", count=2)
    assert chat.session_id() == session_id
    assert len(wait_for_mail(assistant_container.outbox, "web-user@example.com", count=2)) == 2
    expect(chat.status).to_be_hidden(timeout=10_000)

    # One conversation in Rasa's tracker store: nothing lost, nothing sent twice.
    # The widget keeps the signed token "<conversation id>_<signature>".
    assert user_turns(assistant.tracker_db, session_id.split("_")[0]) == [
        "/greet",
        "I forgot my password",
        "web-user@example.com",
        "/affirm",
        "hi",
        "/forgot_password",
    ]
    assert tab.dialogs == [] and tab.errors == [] and tab.violations() == []


def test_markup_from_the_customer_or_the_bot_is_shown_as_text(tab: Tab, fake_demo_url: str) -> None:
    page = tab.page
    page.goto(fake_demo_url)
    chat = Chat(page)
    chat.open()
    chat.expect_bot("You said: /greet")  # the initial payload went first
    chat.say(XSS)
    expect(chat.user_messages(XSS)).to_have_text(XSS)
    chat.expect_bot(f"You said: {XSS}")

    chat.say("/hostile")
    chat.expect_bot("Done with the hostile ones.")
    texts = chat.log.locator(".sc-row--bot .sc-text").all_text_contents()
    assert XSS in texts
    assert "<script>alert(2)</script> and <b>bold</b>" in texts
    expect(chat.log.get_by_role("button", name=XSS)).to_be_visible()  # a title, as text

    # Nothing became an element: no image, script or bold; only the https link is a link.
    widget = page.locator("#signin-chat")
    for tag in ("img", "script", "b", "svg image", "iframe"):
        expect(widget.locator(f".sc-log {tag}")).to_have_count(0)
    links = chat.log.get_by_role("link")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://account.example.com/reset")
    expect(links).to_have_attribute("rel", "noopener noreferrer")
    expect(links).to_have_attribute("target", "_blank")
    expect(chat.log.get_by_text("[Reset here](javascript:alert(3))")).to_be_visible()
    # The two unsafe images were dropped whole; the web_url button without a safe URL too.
    # (Bot rows: the greeting, the echo of "/greet", the echo of the markup, the rest.)
    expect(chat.log.locator(".sc-row--bot")).to_have_count(3 + len(HOSTILE_REPLIES) - 2)
    expect(chat.log.get_by_role("button", name="Open")).to_have_count(0)

    # Re-rendered from localStorage after a reload: still text.
    page.reload()
    chat = Chat(page)
    chat.expect_bot("Done with the hostile ones.")
    expect(chat.user_messages(XSS)).to_have_text(XSS)
    expect(widget.locator(".sc-log img")).to_have_count(0)
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert tab.dialogs == []
    assert tab.errors == []
    assert tab.violations() == []  # the page requires Trusted Types: no HTML sinks were used


def test_hostile_vendor_name_on_the_demo_page_stays_text(
    tab: Tab, web_server: WebServers, fake_url: str
) -> None:
    vendor = 'Evil </script><script>alert(7)</script> & "Co"'

    def hostile_app() -> web.Application:
        app = web.Application()
        add_web_routes(app, vendor_name=vendor, server_url=fake_url)
        return app

    page = tab.page
    page.goto(web_server.serve(hostile_app))
    expect(page).to_have_title(f"Sign-in help · {vendor} Support")
    expect(page.get_by_role("heading", level=1)).to_contain_text(vendor)
    chat = Chat(page)
    chat.open()
    expect(page.get_by_role("dialog", name=f"{vendor} sign-in help")).to_be_visible()
    chat.expect_bot("You said: /greet")
    assert tab.dialogs == [] and tab.errors == [] and tab.violations() == []


def test_keyboard_alone_opens_the_chat_sends_and_answers_buttons(
    tab: Tab, fake_demo_url: str
) -> None:
    page = tab.page
    page.goto(fake_demo_url)
    chat = Chat(page)
    for _ in range(20):  # Tab through the page until the chat launcher has focus
        page.keyboard.press("Tab")
        if chat.launcher.evaluate("el => el.getRootNode().activeElement === el"):
            break
    else:
        pytest.fail("Tab never reached the chat launcher")
    page.keyboard.press("Enter")
    expect(chat.input).to_be_focused()
    # the greeting (initial payload) must be in before typing, or its late reply would leave
    # a second set of enabled quick replies behind the newest one
    chat.expect_bot("You said: /greet")

    page.keyboard.type("hello from the keyboard")
    page.keyboard.press("Enter")
    chat.expect_bot("You said: hello from the keyboard")
    expect(chat.input).to_be_focused()
    expect(chat.input).to_have_value("")

    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")  # back past the message box: the newest quick reply
    no = chat.log.get_by_role("button", name="No", disabled=False)
    expect(no).to_be_focused()
    page.keyboard.press("Enter")
    expect(chat.user_messages("No")).to_be_visible()
    chat.expect_bot("You said: /deny")
    expect(chat.input).to_be_focused()

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(chat.launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(chat.input).to_be_focused()
    expect(chat.user_messages("hello from the keyboard")).to_be_visible()


def test_names_roles_live_region_typing_and_timestamps(tab: Tab, fake_demo_url: str) -> None:
    page = tab.page
    page.goto(fake_demo_url)
    chat = Chat(page)
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    chat.open()
    dialog = page.get_by_role("dialog", name="Example Security sign-in help")
    expect(dialog).to_be_visible()
    expect(chat.log).to_have_attribute("aria-live", "polite")
    expect(chat.log).to_have_attribute("aria-relevant", "additions")
    for name in ("Close chat", "End chat", "Send"):
        expect(dialog.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(chat.input).to_be_visible()  # found by its label, "Your message"
    chat.expect_bot("Welcome to Example Security support")

    chat.say("/slow")
    typing = dialog.get_by_text("The assistant is typing…")
    expect(typing).to_be_visible()
    chat.expect_bot("You said: /slow")  # new messages land inside the live region
    expect(typing).to_be_hidden()

    rows = chat.log.locator(".sc-row")
    expect(rows.locator("time[datetime]")).to_have_count(rows.count())
    stamp = rows.last.locator("time").text_content() or ""
    assert len(stamp) == 5 and stamp[2] == ":", stamp  # HH:MM
    expect(rows.last.locator(".sc-sr")).to_have_text("Assistant:")

    # "End chat" forgets the conversation and starts a new session.
    first_session = chat.session_id()
    dialog.get_by_role("button", name="End chat").click()
    expect(chat.user_messages("/slow")).to_have_count(0)
    chat.expect_online()
    chat.expect_bot("You said: /greet")
    assert chat.session_id() not in (None, first_session)


def test_images_from_the_bot_are_shown_with_a_text_alternative(
    tab: Tab, fake_demo_url: str, fake_url: str
) -> None:
    page = tab.page
    page.goto(fake_demo_url)
    chat = Chat(page)
    chat.open()
    chat.say(f"/image {fake_url}/picture.svg")
    chat.expect_bot("Here is a picture:")
    image = chat.log.get_by_role("img", name="Image sent by the assistant")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("src", f"{fake_url}/picture.svg")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 160
    assert tab.violations() == []


def test_light_vendor_colour_keeps_text_readable(
    tab: Tab, web_server: WebServers, fake_url: str
) -> None:
    page = tab.page
    page.goto(web_server.serve(lambda: demo_app(fake_url, primary_color="#ffd400")))
    chat = Chat(page)
    chat.open()
    chat.say("contrast")
    chat.expect_bot("You said: contrast")
    ratios = page.evaluate(
        """() => {
          const root = document.getElementById("signin-chat").shadowRoot;
          const rgb = (c) => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
          const lum = (c) => {
            const [r, g, b] = rgb(c).map((v) => {
              v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
            });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          const ratio = (a, b) => {
            const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
            return (x + 0.05) / (y + 0.05);
          };
          const pair = (selector, bgSelector) => {
            const el = root.querySelector(selector);
            const bg = root.querySelector(bgSelector || selector);
            return ratio(getComputedStyle(el).color, getComputedStyle(bg).backgroundColor);
          };
          return {
            header: pair(".sc-title", ".sc-header"),
            userBubble: pair(".sc-row--user .sc-text", ".sc-row--user .sc-bubble"),
            botBubble: pair(".sc-row--bot .sc-text", ".sc-row--bot .sc-bubble"),
            send: pair(".sc-send"),
            reply: pair(".sc-reply:not(:disabled)"),
            time: pair(".sc-meta", ".sc-log"),
          };
        }"""
    )
    assert all(ratio >= 4.5 for ratio in ratios.values()), ratios


def test_fits_a_360_pixel_phone(phone_tab: Tab, fake_demo_url: str) -> None:
    page = phone_tab.page
    page.goto(fake_demo_url)
    chat = Chat(page)
    launcher = chat.launcher.bounding_box()
    assert launcher and launcher["x"] + launcher["width"] <= PHONE["width"]
    chat.open()
    chat.say("a long word: https://account.example.com/" + "x" * 120)
    chat.expect_bot("You said: a long word")
    panel = page.get_by_role("dialog").bounding_box()
    assert panel == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
    for control in (chat.input, page.get_by_role("button", name="Send")):
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["y"] + box["height"] <= PHONE["height"]
    assert chat.log.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_screenshots_at_desktop_and_phone_width(
    tmp_path: Path, browser: Browser, rasa_demo_url: str
) -> None:
    written = take_screenshots(tmp_path, demo_url=rasa_demo_url, browser=browser)
    assert [p.name for p in written] == ["widget-desktop.png", "widget-phone.png"]
    assert png_size(tmp_path / "widget-desktop.png") == (1280, 800)
    assert png_size(tmp_path / "widget-phone.png") == (PHONE["width"], PHONE["height"])
