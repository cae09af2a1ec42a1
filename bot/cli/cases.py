"""`cases` and `agents`: cases handed to people, and the people who work them."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from bot.bootstrap import Container
from bot.cli.common import (
    command,
    email_argument,
    positive_int,
    print_json,
    table,
)
from bot.domain.model import CASE_STATUSES, Case, CaseNotFoundError


def _case_dict(case: Case, full: bool) -> dict[str, Any]:
    shown = asdict(case)
    if not full:
        shown.pop("transcript")
        shown.pop("summary")
    return shown


def cmd_cases_list(container: Container, args: argparse.Namespace) -> int:
    cases = container.cases.list(status=args.status)
    if args.json:
        print_json([_case_dict(c, full=False) for c in cases])
        return 0
    if not cases:
        print("no cases" + (f" with status {args.status}" if args.status else ""))
        return 0
    rows = [
        [str(c.id), c.priority, c.status, c.reason, c.delivery,
         f"{c.created_at:%Y-%m-%d %H:%M}", c.problem[:60]]
        for c in cases
    ]  # fmt: skip
    print(table(rows, ["case", "priority", "status", "reason", "delivery", "opened", "problem"]))
    return 0


def cmd_cases_show(container: Container, args: argparse.Namespace) -> int:
    try:
        case = container.cases.get(args.id)
    except CaseNotFoundError:
        print(f"error: no case {args.id}", file=sys.stderr)
        return 1
    if args.json:
        print_json(_case_dict(case, full=True))
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
    from bot.adapters.sql.agent_store import AgentExistsError, SqlAgentStore

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


def register(groups: Any) -> None:
    """Add this module's command groups to the parser."""
    cases = groups.add_parser("cases", help="cases handed to people")
    cas = cases.add_subparsers(dest="command", metavar="COMMAND", required=True)
    clist = command(cas, "list", cmd_cases_list, "list cases, most urgent and oldest first")
    clist.add_argument("--json", action="store_true", help="print JSON")
    clist.add_argument("--status", choices=CASE_STATUSES, help="only cases with this status")
    cshow = command(cas, "show", cmd_cases_show, "show one case with its transcript")
    cshow.add_argument("id", type=positive_int)
    cshow.add_argument("--json", action="store_true", help="print JSON")
    command(cas, "retry", cmd_cases_retry, "deliver cases the helpdesk has not received yet")
    agents = groups.add_parser("agents", help="people who work the agent inbox")
    agt = agents.add_subparsers(dest="command", metavar="COMMAND", required=True)
    aadd = command(agt, "add", cmd_agents_add, "add an inbox agent (asks for the password)")
    aadd.add_argument("email", type=email_argument)
    aadd.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (for scripts)",
    )
