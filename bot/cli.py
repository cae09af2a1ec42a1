"""Command line: `python -m bot <group> <command>`.

Groups: db, accounts, outbox, audit, cases, agents, insights, retrain, web, serve, shell,
bench. Every command exits 0 on success, 1 when what was asked cannot be done, and 2 (with usage)
when the call itself is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from bot.adapters.case_store import CaseNotFoundError
from bot.adapters.directory import AccountExistsError
from bot.bootstrap import Container, build_container
from bot.models import CASE_STATUSES, MFA_METHODS, Case
from bot.services.emails import is_valid_email, normalise_email
from bot.settings import SettingsError, get_settings


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _print_json(data: Any) -> None:
    print(json.dumps(data, default=_json_default, indent=2, ensure_ascii=False))


def _email_argument(value: str) -> str:
    if not is_valid_email(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a valid email address (example: name@example.com)"
        )
    return normalise_email(value)


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be greater than zero")
    return number


def _last4(value: str) -> str:
    if not (len(value) == 4 and value.isdigit()):
        raise argparse.ArgumentTypeError(f"{value!r} is not 4 digits")
    return value


def _year_month(value: str) -> str:
    try:
        return datetime.strptime(value, "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a month like 2024-03") from None


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


# --- commands -------------------------------------------------------------------------


def cmd_db_upgrade(container: Container | None, args: argparse.Namespace) -> int:
    from bot.adapters.database import create_engine
    from bot.adapters.schema import upgrade_schema

    settings = get_settings()
    engine = create_engine(settings.database_url)
    try:
        print(f"{engine.url.render_as_string(hide_password=True)}: {upgrade_schema(engine)}")
    finally:
        engine.dispose()
    return 0


def cmd_accounts_add(container: Container, args: argparse.Namespace) -> int:
    locked_until = None
    if args.lock_minutes:
        locked_until = container.clock() + timedelta(minutes=args.lock_minutes)
    try:
        account = container.builtin_directory.add_account(
            args.email,
            name=args.name or "",
            locked=bool(args.locked or args.lock_minutes),
            locked_until=locked_until,
            lock_reason="failed_attempts"
            if args.lock_minutes
            else ("admin" if args.locked else ""),
            mfa=tuple(args.mfa or ()),
            phone_last4=args.phone or "",
            devices=(args.device,) if args.device else (),
        )
    except AccountExistsError:
        print(f"error: an account for {args.email} already exists", file=sys.stderr)
        return 1
    facts = {
        "license_last4": args.license_key,
        "purchase_month": args.purchase,
        "device_name": args.device,
        "postcode": args.postcode,
    }
    for kind, value in facts.items():
        if value:
            container.verification_store.set_fact(
                account.id, kind, container.verification.fact_hash(kind, value)
            )
    stored = [kind for kind, value in facts.items() if value]
    print(
        f"added account {account.id}: {account.email} ({account.status}); "
        f"verification facts: {', '.join(stored) or 'none'}"
    )
    return 0


def cmd_accounts_list(container: Container, args: argparse.Namespace) -> int:
    accounts = container.builtin_directory.list_accounts()
    if args.json:
        _print_json([asdict(a) for a in accounts])
        return 0
    if not accounts:
        print("no accounts yet (add one: python -m bot accounts add EMAIL)")
        return 0
    rows = [
        [str(a.id), a.email, a.name, a.status, f"{a.created_at:%Y-%m-%d %H:%M}"] for a in accounts
    ]
    print(_table(rows, ["id", "email", "name", "status", "created"]))
    return 0


def cmd_accounts_show(container: Container, args: argparse.Namespace) -> int:
    account = container.builtin_directory.find_by_email(args.email)
    if account is None:
        print(f"error: no account for {args.email}", file=sys.stderr)
        return 1
    shown = asdict(account)
    shown["mfa_factors"] = list(account.mfa_factors)
    shown["active_sessions"] = container.builtin_directory.active_sessions(account.id)
    shown["verification_facts"] = sorted(container.verification_store.facts(account.id))
    shown["pending_email_changes"] = container.email_changes.pending(account.id)
    if args.json:
        _print_json(shown)
    else:
        for key, value in shown.items():
            print(f"{key}: {value}")
    return 0


def cmd_outbox_list(container: Container, args: argparse.Namespace) -> int:
    messages = container.outbox.list_messages(to=args.to)
    if args.json:
        _print_json([asdict(m) for m in messages])
        return 0
    if not messages:
        print("the outbox is empty")
        return 0
    for m in messages:
        print(f"#{m.id} {m.created_at:%Y-%m-%d %H:%M:%S} to {m.to} [{m.kind}] {m.subject}")
        if args.body:
            print("    " + m.body.replace("\n", "\n    "))
    return 0


def cmd_audit_list(container: Container, args: argparse.Namespace) -> int:
    entries = container.audit.list_entries()
    if args.json:
        _print_json([asdict(e) for e in entries])
        return 0
    if not entries:
        print("the audit log is empty")
        return 0
    rows = [
        [
            str(e.id),
            f"{e.created_at:%Y-%m-%d %H:%M:%S}",
            e.event,
            e.outcome,
            str(e.account_id or "-"),
            e.conversation_id,
        ]
        for e in entries
    ]
    print(_table(rows, ["id", "when", "event", "outcome", "account", "conversation"]))
    return 0


def _case_dict(case: Case, full: bool) -> dict[str, Any]:
    shown = asdict(case)
    if not full:
        shown.pop("transcript")
        shown.pop("summary")
    return shown


def cmd_cases_list(container: Container, args: argparse.Namespace) -> int:
    cases = container.cases.list(status=args.status)
    if args.json:
        _print_json([_case_dict(c, full=False) for c in cases])
        return 0
    if not cases:
        print("no cases" + (f" with status {args.status}" if args.status else ""))
        return 0
    rows = [
        [str(c.id), c.priority, c.status, c.reason, c.delivery,
         f"{c.created_at:%Y-%m-%d %H:%M}", c.problem[:60]]
        for c in cases
    ]  # fmt: skip
    print(_table(rows, ["case", "priority", "status", "reason", "delivery", "opened", "problem"]))
    return 0


def cmd_cases_show(container: Container, args: argparse.Namespace) -> int:
    try:
        case = container.cases.get(args.id)
    except CaseNotFoundError:
        print(f"error: no case {args.id}", file=sys.stderr)
        return 1
    if args.json:
        _print_json(_case_dict(case, full=True))
        return 0
    print(f"case {case.id} · {case.status} · {case.priority} · {case.delivery}")
    print(case.summary)
    print("\ntranscript:")
    for line in case.transcript:
        print(f"  [{line.at:%H:%M:%S}] {line.speaker}: {line.text}")
    return 0


def cmd_cases_retry(container: Container, args: argparse.Namespace) -> int:
    pending = len(container.cases.pending_delivery())
    delivered, failed = container.handoff.retry_pending()
    print(f"{pending} pending: {delivered} delivered, {failed} still pending")
    return 0 if failed == 0 else 1


def _read_new_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("password (12+ characters): ")
    if getpass.getpass("again: ") != first:
        print("error: the two passwords differ", file=sys.stderr)
        return None
    return first


def cmd_agents_add(container: Container, args: argparse.Namespace) -> int:
    from bot.adapters.agent_store import AgentExistsError, SqlAgentStore

    password = _read_new_password(args)
    if password is None:
        return 1
    try:
        SqlAgentStore(container.engine, container.clock).add(args.email, password)
    except AgentExistsError:
        print(f"error: an agent {args.email} already exists", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"agent {args.email} added; sign in at /inbox/login")
    return 0


def cmd_web(container: Container | None, args: argparse.Namespace) -> int:
    from bot.web_server import run_web

    return run_web(args.host, args.port, args.rasa_url)


def _since(value: str) -> datetime:
    from bot.insights_report import utc_day

    try:
        return utc_day(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-01") from None


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be above 0 and at most 1")
    return number


def cmd_insights(container: Container | None, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.adapters.tracker_events import TrackerStoreError, tracker_engine
    from bot.insights_report import run_export, run_report, run_review
    from bot.settings import tracker_store_url

    try:
        engine = tracker_engine(tracker_store_url())
        if args.command == "report":
            path = run_report(engine, args.since, Path(args.out))
            print(f"report written to {path}")
        elif args.command == "review":
            count = run_review(engine, args.below, args.since, Path(args.out))
            print(f"{count} messages to review written to {args.out}")
        else:
            out = Path(args.out) if args.out else sys.stdout
            count = run_export(engine, args.since, args.format, out)
            print(f"{count} rows exported", file=sys.stderr)
    except TrackerStoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    return 0


def cmd_retrain(container: Container | None, args: argparse.Namespace) -> int:
    from bot.retrain import run_retrain

    return run_retrain(args.tolerance)


def cmd_serve(container: Container | None, args: argparse.Namespace) -> int:
    from bot.serve import serve

    return serve(
        rasa_port=args.rasa_port,
        action_port=args.action_port,
        model=args.model,
        host=args.host,
        web_port=args.web_port,
        endpoints=args.endpoints,
        credentials=args.credentials,
        rasa_workers=args.rasa_workers,
        action_workers=args.action_workers,
    )


def cmd_shell(container: Container | None, args: argparse.Namespace) -> int:
    from bot.serve import shell

    return shell(action_port=args.action_port, model=args.model)


def cmd_bench_reset_timing(container: Container | None, args: argparse.Namespace) -> int:
    from bot.bench_reset_timing import run_timing_benchmark

    return run_timing_benchmark(args.tries, args.max_diff_ms, args.mail_delay_ms)


def cmd_bench_nlu(container: Container | None, args: argparse.Namespace) -> int:
    from bot.bench_nlu import run_benchmark

    return run_benchmark(args.model, args.data, args.top, args.min_macro_f1, args.report)


def cmd_bench_load(container: Container | None, args: argparse.Namespace) -> int:
    from bot.modelops.bench_load import main as bench_load

    return bench_load(args.rest)


def _bench_load_argv(argv: Sequence[str]) -> list[str] | None:
    """`bench load ...` passes every option on to the load benchmark's own parser."""
    return list(argv[2:]) if list(argv[:2]) == ["bench", "load"] else None


# --- parser ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Sign-in help assistant: operations commands."
    )
    groups = parser.add_subparsers(dest="group", metavar="GROUP", required=True)

    def command(sub: Any, name: str, handler: Callable, help_text: str, **kw: Any) -> Any:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler, **kw)
        return p

    db = groups.add_parser("db", help="the app database").add_subparsers(
        dest="command", metavar="COMMAND", required=True
    )
    command(
        db,
        "upgrade",
        cmd_db_upgrade,
        "create or migrate the app database to the current schema (idempotent)",
        needs_container=False,
    )
    command(db, "init", cmd_db_upgrade, "the same as `db upgrade`", needs_container=False)

    accounts = groups.add_parser("accounts", help="accounts in the built-in directory")
    acc = accounts.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add = command(acc, "add", cmd_accounts_add, "add an account")
    add.add_argument("email", type=_email_argument)
    add.add_argument("--name", help="display name")
    add.add_argument("--locked", action="store_true", help="create the account locked")
    add.add_argument(
        "--lock-minutes",
        type=_positive_int,
        metavar="N",
        help="locked after failed sign-ins, unlocking by itself after N minutes",
    )
    add.add_argument(
        "--mfa",
        nargs="+",
        choices=MFA_METHODS,
        metavar="METHOD",
        help=f"enrolled 2-step methods, primary first ({', '.join(MFA_METHODS)})",
    )
    add.add_argument(
        "--phone", type=_last4, metavar="LAST4", help="last 4 digits of the SMS number"
    )
    add.add_argument(
        "--license-key",
        metavar="KEY",
        help="license key (only a keyed hash of its last 4 characters is kept)",
    )
    add.add_argument("--purchase", type=_year_month, metavar="YYYY-MM", help="purchase month")
    add.add_argument("--device", metavar="NAME", help="a protected device (also a session)")
    add.add_argument("--postcode", metavar="CODE", help="billing postal code")
    lst = command(acc, "list", cmd_accounts_list, "list accounts")
    lst.add_argument("--json", action="store_true", help="print JSON")
    show = command(acc, "show", cmd_accounts_show, "show one account")
    show.add_argument("email", type=_email_argument)
    show.add_argument("--json", action="store_true", help="print JSON")

    outbox = groups.add_parser("outbox", help="emails held by the built-in outbox")
    out = outbox.add_subparsers(dest="command", metavar="COMMAND", required=True)
    olist = command(out, "list", cmd_outbox_list, "list emails, oldest first")
    olist.add_argument("--json", action="store_true", help="print JSON (bodies included)")
    olist.add_argument("--to", type=_email_argument, help="only emails to this address")
    olist.add_argument("--body", action="store_true", help="print each body too")

    audit = groups.add_parser("audit", help="the audit log of recovery events")
    aud = audit.add_subparsers(dest="command", metavar="COMMAND", required=True)
    alist = command(aud, "list", cmd_audit_list, "list audit entries, oldest first")
    alist.add_argument("--json", action="store_true", help="print JSON")

    cases = groups.add_parser("cases", help="cases handed to people")
    cas = cases.add_subparsers(dest="command", metavar="COMMAND", required=True)
    clist = command(cas, "list", cmd_cases_list, "list cases, most urgent and oldest first")
    clist.add_argument("--json", action="store_true", help="print JSON")
    clist.add_argument("--status", choices=CASE_STATUSES, help="only cases with this status")
    cshow = command(cas, "show", cmd_cases_show, "show one case with its transcript")
    cshow.add_argument("id", type=_positive_int)
    cshow.add_argument("--json", action="store_true", help="print JSON")
    command(cas, "retry", cmd_cases_retry, "deliver cases the helpdesk has not received yet")

    agents = groups.add_parser("agents", help="people who work the agent inbox")
    agt = agents.add_subparsers(dest="command", metavar="COMMAND", required=True)
    aadd = command(agt, "add", cmd_agents_add, "add an inbox agent (asks for the password)")
    aadd.add_argument("email", type=_email_argument)
    aadd.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (for scripts)",
    )

    webp = groups.add_parser("web", help="serve the agent inbox and the demo page")
    webp.set_defaults(handler=cmd_web, needs_container=False)
    webp.add_argument("--port", type=_positive_int, default=5080)
    webp.add_argument("--host", default="127.0.0.1")
    webp.add_argument(
        "--rasa-url",
        default="http://127.0.0.1:5005",
        help="where the chat widget finds the Rasa server",
    )

    serve = groups.add_parser(
        "serve", help="run the action server and the Rasa server (Ctrl-C stops both)"
    )
    serve.set_defaults(handler=cmd_serve, needs_container=False)
    serve.add_argument("--rasa-port", type=_positive_int, default=5005)
    serve.add_argument("--action-port", type=_positive_int, default=5055)
    serve.add_argument(
        "--web-port", type=_positive_int, default=5080, help="agent inbox and demo page"
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    serve.add_argument("--model", default="models", help="model file or folder")
    serve.add_argument(
        "--endpoints",
        default="endpoints.yml",
        help="endpoints.yml (SQLite) or endpoints.production.yml",
    )
    serve.add_argument(
        "--credentials",
        default="credentials.yml",
        help="credentials.yml (REST + web chat) or credentials.production.yml (web chat only)",
    )
    serve.add_argument("--rasa-workers", type=_positive_int, default=None,
                       help="Rasa processes (default: one per core, at most 4)")  # fmt: skip
    serve.add_argument("--action-workers", type=_positive_int, default=None,
                       help="action server processes (default: 2 on 2+ cores)")  # fmt: skip

    insights = groups.add_parser("insights", help="conversation logs for product teams")
    ins = insights.add_subparsers(dest="command", metavar="COMMAND", required=True)
    rep = command(ins, "report", cmd_insights, "metrics report with charts (Markdown + PNG)",
                  needs_container=False)  # fmt: skip
    rep.add_argument("--since", type=_since, required=True, metavar="YYYY-MM-DD")
    rep.add_argument("--out", default="results/insights", metavar="DIR")
    rev = command(ins, "review", cmd_insights,
                  "low-confidence messages as Rasa NLU YAML for relabelling",
                  needs_container=False)  # fmt: skip
    rev.add_argument("--below", type=_fraction, default=0.6, metavar="CONFIDENCE")
    rev.add_argument("--since", type=_since, default=None, metavar="YYYY-MM-DD")
    rev.add_argument("--out", required=True, metavar="FILE.yml")
    exp = command(ins, "export", cmd_insights, "redacted conversations as JSON lines or CSV",
                  needs_container=False)  # fmt: skip
    exp.add_argument("--since", type=_since, required=True, metavar="YYYY-MM-DD")
    exp.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    exp.add_argument("--out", default=None, metavar="FILE", help="default: standard output")

    retrain = groups.add_parser(
        "retrain", help="train a candidate and keep it only if no metric drops"
    )
    retrain.set_defaults(handler=cmd_retrain, needs_container=False)
    retrain.add_argument(
        "--tolerance",
        type=float,
        default=0.01,
        help="largest drop allowed in any metric (default 0.01)",
    )

    shell = groups.add_parser("shell", help="chat with the assistant in this terminal")
    shell.set_defaults(handler=cmd_shell, needs_container=False)
    shell.add_argument("--action-port", type=_positive_int, default=5055)
    shell.add_argument("--model", default="models", help="model file or folder")

    bench = groups.add_parser("bench", help="benchmarks that print numbers")
    b = bench.add_subparsers(dest="command", metavar="COMMAND", required=True)
    nlu = command(
        b,
        "nlu",
        cmd_bench_nlu,
        "intent accuracy and macro-F1 on held-out data",
        needs_container=False,
    )
    nlu.add_argument("--model", default="models", help="model file or folder")
    nlu.add_argument("--data", default="tests/nlu/heldout.yml", help="held-out NLU file")
    nlu.add_argument("--top", type=_positive_int, default=10, help="confused pairs to show")
    nlu.add_argument(
        "--min-macro-f1", type=float, default=None, help="exit 1 when macro-F1 is below this"
    )
    nlu.add_argument("--report", default=None, help="also write a JSON report here")
    timing = command(b, "reset-timing", cmd_bench_reset_timing,
                     "does the timing of a reset, a verification start or a code resend "
                     "reveal whether an account exists?",
                     needs_container=False)  # fmt: skip
    load = command(b, "load", cmd_bench_load,
                   "this assistant and the stock Rasa bot under the same concurrent load "
                   "(options: python -m bot.modelops.bench_load --help)",
                   needs_container=False)  # fmt: skip
    load.add_argument("rest", nargs=argparse.REMAINDER, help="options of the load benchmark")
    timing.add_argument("--tries", type=_positive_int, default=50)
    timing.add_argument(
        "--max-diff-ms", type=float, default=None, help="exit 1 when the medians differ by more"
    )
    timing.add_argument("--mail-delay-ms", type=float, default=200,
                        help="how long the simulated mail system takes per email")  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    load_argv = _bench_load_argv(sys.argv[1:] if argv is None else argv)
    if load_argv is not None:
        return cmd_bench_load(None, argparse.Namespace(rest=load_argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    container = None
    if getattr(args, "needs_container", True):
        try:
            container = build_container(get_settings())
        except SettingsError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return args.handler(container, args)
