"""A demo support page with the chat widget embedded, and the routes that serve it.

`add_web_routes(app, vendor_name=..., server_url=...)` adds to any aiohttp application:

- `GET /`: the demo page, styled for the vendor, its widget pointed at the Rasa server;
- `GET /static/...`: the files in `bot/web/static` (the built widget `signin-chat.js`).

Every value put into the page is HTML-escaped, and the widget's config is JSON with `<`, `>`
and `&` escaped, so nothing in settings can close the script tag. The page carries its own
Content-Security-Policy: scripts only from this server plus one inline script with a fresh
nonce, connections only to this server and the Rasa server, and Trusted Types required, so
the browser itself refuses any HTML string written into the page.
"""

from __future__ import annotations

import html
import json
import logging
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.web import STATIC_DIR, WIDGET_FILE

log = logging.getLogger(__name__)

DEFAULT_PRIMARY_COLOR = "#0b57d0"
WIDGET_PATH = "/static/signin-chat.js"
DEMO_ROUTE_NAME = "signin_chat_demo"
STATIC_ROUTE_NAME = "signin_chat_static"
# Routes that must stay reachable without an inbox session (for the inbox's middleware).
PUBLIC_ROUTE_NAMES = frozenset({DEMO_ROUTE_NAME, STATIC_ROUTE_NAME})

_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


def check_server_url(server_url: str) -> str:
    """`server_url` without a trailing slash; ValueError unless it is an http(s) origin."""
    parts = urlsplit(server_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"the chat server URL must be http(s)://host[:port], not {server_url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(
            f"the chat server URL must not carry credentials or a query: {server_url!r}"
        )
    return server_url.rstrip("/")


def check_color(color: str) -> str:
    """`color` if it is a #rgb or #rrggbb hex colour; ValueError otherwise."""
    if not _HEX_COLOR.fullmatch(color):
        raise ValueError(f"the colour must be #rgb or #rrggbb, not {color!r}")
    return color


def _luminance(color: str) -> float:
    digits = color[1:] if len(color) == 7 else "".join(d * 2 for d in color[1:])
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two hex colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_color_on(background: str) -> str:
    """White or near-black, whichever reads better on `background`."""
    on_white = contrast_ratio(background, "#ffffff")
    return "#ffffff" if on_white >= contrast_ratio(background, "#111111") else "#111111"


def widget_config(vendor_name: str, server_url: str, primary_color: str) -> dict[str, Any]:
    """The `SigninChat.init(...)` options the demo page uses."""
    return {
        "serverUrl": check_server_url(server_url),
        "title": f"{vendor_name} sign-in help",
        "subtitle": "Automated assistant",
        "primaryColor": check_color(primary_color),
        "greeting": (
            f"Welcome to {vendor_name} support. I'm an automated assistant. "
            "I will never ask for your password."
        ),
        "initialPayload": "/greet",
        "launcherLabel": "Sign-in help",
    }


def script_json(value: Any) -> str:
    """`value` as JSON that is safe inside a <script> element."""
    return (
        json.dumps(value, ensure_ascii=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def embed_snippet(widget_url: str, config: dict[str, Any]) -> str:
    """The two script tags a support page adds to embed the widget (as text, unescaped)."""
    return (
        f'<script src="{widget_url}"></script>\n'
        f"<script>SigninChat.init({json.dumps(config, indent=2, ensure_ascii=False)})</script>"
    )


def demo_page_html(
    vendor_name: str,
    server_url: str,
    primary_color: str = DEFAULT_PRIMARY_COLOR,
    *,
    nonce: str | None = None,
) -> str:
    """The demo support page, with the chat widget embedded and pointed at `server_url`.

    Args:
        vendor_name: shown in the page and the widget (escaped).
        server_url: the Rasa server the widget connects to, e.g. "http://127.0.0.1:5005".
        primary_color: the vendor colour, #rgb or #rrggbb.
        nonce: the CSP nonce for the page's inline script and style (see
            `content_security_policy`); none for a page served without that policy.

    Raises:
        ValueError: `server_url` is not an http(s) origin or `primary_color` not a hex colour.
    """
    config = widget_config(vendor_name, server_url, primary_color)
    brand = config["primaryColor"]
    on_brand = text_color_on(brand)
    link = brand if contrast_ratio(brand, "#ffffff") >= 4.5 else "#1f2328"
    name = html.escape(vendor_name)
    nonce_attr = f' nonce="{html.escape(nonce)}"' if nonce else ""
    snippet = html.escape(embed_snippet(f"https://support.example.com{WIDGET_PATH}", config))
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in help · {name} Support</title>
<style{nonce_attr}>
  :root {{ --brand: {brand}; --on-brand: {on_brand}; --link: {link}; }}
  * {{ box-sizing: border-box; }}
  body {{ margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Arial,
         sans-serif; color: #1f2328; background: #f6f8fa; }}
  a {{ color: var(--link); }}
  a:focus-visible, button:focus-visible {{ outline: 3px solid #1a1a1a; outline-offset: 2px; }}
  .skip {{ position: absolute; left: -999px; }}
  .skip:focus {{ left: 8px; top: 8px; padding: 8px 12px; background: #fff; z-index: 10; }}
  header {{ background: var(--brand); color: var(--on-brand); }}
  .bar {{ max-width: 1040px; margin: 0 auto; padding: 14px 20px; display: flex;
          flex-wrap: wrap; align-items: center; gap: 8px 24px; }}
  .brand {{ display: flex; align-items: center; gap: 10px; font-weight: 700; font-size: 19px; }}
  .mark {{ display: inline-grid; place-items: center; width: 34px; height: 34px;
           border-radius: 8px; background: var(--on-brand); color: var(--brand); }}
  nav ul {{ display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0; padding: 0;
            list-style: none; }}
  nav a {{ color: inherit; text-decoration: none; font-weight: 500; }}
  nav a:hover {{ text-decoration: underline; }}
  main {{ max-width: 1040px; margin: 0 auto; padding: 28px 20px 120px; }}
  .hero {{ background: #fff; border: 1px solid #d8dee4; border-radius: 14px; padding: 28px; }}
  h1 {{ margin: 0 0 8px; font-size: clamp(26px, 5vw, 36px); line-height: 1.2; }}
  .hero p {{ margin: 0 0 18px; max-width: 60ch; }}
  .cta {{ min-height: 48px; padding: 12px 22px; border: 0; border-radius: 10px;
          background: var(--brand); color: var(--on-brand); font: inherit; font-weight: 700;
          cursor: pointer; }}
  .cards {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
            gap: 16px; margin: 24px 0; padding: 0; list-style: none; }}
  .cards li {{ background: #fff; border: 1px solid #d8dee4; border-radius: 12px;
               padding: 18px; }}
  .cards h2 {{ margin: 0 0 6px; font-size: 18px; }}
  .cards p {{ margin: 0; color: #424a53; }}
  .dev {{ margin-top: 32px; }}
  .dev h2 {{ font-size: 18px; }}
  pre {{ overflow-x: auto; padding: 14px; border-radius: 10px; background: #1f2328;
         color: #f6f8fa; font-size: 13px; }}
  footer {{ border-top: 1px solid #d8dee4; padding: 18px 20px; text-align: center;
            color: #424a53; font-size: 14px; }}
</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <div class="bar">
    <div class="brand"><span class="mark" aria-hidden="true">{html.escape(vendor_name[:1])}</span>
      <span>{name} Support</span></div>
    <nav aria-label="Support"><ul>
      <li><a href="#main">Help centre</a></li>
      <li><a href="#topics">Sign-in problems</a></li>
      <li><a href="#developers">Embed the chat</a></li>
    </ul></nav>
  </div>
</header>
<main id="main">
  <section class="hero" aria-labelledby="hero-title">
    <h1 id="hero-title">Can't sign in to your {name} account?</h1>
    <p>Our sign-in assistant sends password reset links, helps with verification codes and
      locked accounts, checks suspicious emails, and tells you how to reach a person.
      It never asks for your password.</p>
    <button class="cta" id="open-chat" type="button">Chat with the sign-in assistant</button>
  </section>
  <ul class="cards" id="topics" aria-label="Common sign-in problems">
    <li><h2>Forgot your password?</h2>
      <p>Ask the assistant for a reset link: it is sent to your account's email and works
        once, for 30 minutes.</p></li>
    <li><h2>Code not arriving?</h2>
      <p>Tips for text messages, email codes, authenticator apps and push notifications.</p></li>
    <li><h2>Account locked?</h2>
      <p>Too many attempts lock an account for a while; the assistant can unlock it after a
        quick ownership check.</p></li>
    <li><h2>Suspicious email?</h2>
      <p>Paste the link or sender into the chat and the assistant tells you whether it is
        really from us. It never opens the link.</p></li>
  </ul>
  <section class="dev" id="developers" aria-labelledby="dev-title">
    <h2 id="dev-title">Embed this chat on another page</h2>
    <pre><code>{snippet}</code></pre>
  </section>
</main>
<footer>© {name} · Demo support page for the sign-in assistant</footer>
<script src="{WIDGET_PATH}"></script>
<script{nonce_attr}>
  (function () {{
    var chat = window.SigninChat && window.SigninChat.init({script_json(config)});
    var button = document.getElementById("open-chat");
    if (chat) {{ button.addEventListener("click", function () {{ chat.open(); }}); }}
    else {{ button.disabled = true; button.textContent = "The chat could not be loaded"; }}
  }})();
</script>
</body>
</html>
"""


def _origins(server_url: str) -> str:
    """The server's http(s) origin and its ws(s) twin, as CSP sources."""
    parts = urlsplit(check_server_url(server_url))
    socket_scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc} {socket_scheme}://{parts.netloc}"


def content_security_policy(server_url: str, nonce: str) -> str:
    """The demo page's policy: own scripts plus one nonce, connections to Rasa only."""
    parts = urlsplit(check_server_url(server_url))
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src 'self' https: {parts.scheme}://{parts.netloc}",
            f"connect-src 'self' {_origins(server_url)}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "require-trusted-types-for 'script'",
            "trusted-types 'none'",
        ]
    )


def add_web_routes(
    app: web.Application,
    *,
    vendor_name: str,
    server_url: str,
    primary_color: str = DEFAULT_PRIMARY_COLOR,
) -> None:
    """Serve the demo page at `GET /` and the widget's files under `/static/` on `app`.

    Args:
        app: the aiohttp application (for example the agent inbox's).
        vendor_name: shown on the page and in the widget.
        server_url: where the browser reaches the Rasa server's socketio channel.
        primary_color: the vendor colour for the page and the widget.

    Raises:
        ValueError: `server_url` or `primary_color` is malformed (checked here, at start-up).
    """
    check_server_url(server_url)
    check_color(primary_color)
    if not WIDGET_FILE.exists():
        log.warning("%s is missing: build it with `npm ci && node build.mjs` in web/", WIDGET_FILE)

    async def demo_page(_request: web.Request) -> web.Response:
        nonce = secrets.token_urlsafe(16)
        page = demo_page_html(vendor_name, server_url, primary_color, nonce=nonce)
        response = web.Response(text=page, content_type="text/html", charset="utf-8")
        response.headers["Content-Security-Policy"] = content_security_policy(server_url, nonce)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    app.router.add_get("/", demo_page, name=DEMO_ROUTE_NAME)
    app.router.add_static("/static/", STATIC_DIR, name=STATIC_ROUTE_NAME)
