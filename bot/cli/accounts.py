"""`accounts`, `outbox` and `audit`: the built-in directory and what it sent and did."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from bot.bootstrap import Container
from bot.cli.common import (
    command,
    email_argument,
    last4,
    positive_int,
    print_json,
    table,
    year_month,
)
from bot.domain.model import MFA_METHODS
from bot.domain.ports import AccountExistsError
from bot.services.accounts import NewAccount


def cmd_accounts_add(container: Container, args: argparse.Namespace) -> int:
    new = NewAccount(
        email=args.email,
        name=args.name or "",
        locked=bool(args.locked),
        lock_minutes=args.lock_minutes or 0,
        mfa=tuple(args.mfa or ()),
        phone_last4=args.phone or "",
        device=args.device or "",
        license_key=args.license_key or "",
        purchase=args.purchase or "",
        postcode=args.postcode or "",
    )
    try:
        account, stored = container.accounts.register(new)
    except AccountExistsError:
        print(f"error: an account for {args.email} already exists", file=sys.stderr)
        return 1
    print(
        f"added account {account.id}: {account.email} ({account.status}); "
        f"verification facts: {', '.join(stored) or 'none'}"
    )
    return 0


def cmd_accounts_list(container: Container, args: argparse.Namespace) -> int:
    accounts = container.builtin_directory.list_accounts()
    if args.json:
        print_json([asdict(a) for a in accounts])
        return 0
    if not accounts:
        print("no accounts yet (add one: python -m bot accounts add EMAIL)")
        return 0
    rows = [
        [str(a.id), a.email, a.name, a.status, f"{a.created_at:%Y-%m-%d %H:%M}"] for a in accounts
    ]
    print(table(rows, ["id", "email", "name", "status", "created"]))
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
        print_json(shown)
    else:
        for key, value in shown.items():
            print(f"{key}: {value}")
    return 0


def cmd_outbox_list(container: Container, args: argparse.Namespace) -> int:
    messages = container.outbox.list_messages(to=args.to)
    if args.json:
        print_json([asdict(m) for m in messages])
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
        print_json([asdict(e) for e in entries])
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
    print(table(rows, ["id", "when", "event", "outcome", "account", "conversation"]))
    return 0


def register(groups: Any) -> None:
    """Add this module's command groups to the parser."""
    accounts = groups.add_parser("accounts", help="accounts in the built-in directory")
    acc = accounts.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add = command(acc, "add", cmd_accounts_add, "add an account")
    add.add_argument("email", type=email_argument)
    add.add_argument("--name", help="display name")
    add.add_argument("--locked", action="store_true", help="create the account locked")
    add.add_argument(
        "--lock-minutes",
        type=positive_int,
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
    add.add_argument("--phone", type=last4, metavar="LAST4", help="last 4 digits of the SMS number")
    add.add_argument(
        "--license-key",
        metavar="KEY",
        help="license key (only a keyed hash of its last 4 characters is kept)",
    )
    add.add_argument("--purchase", type=year_month, metavar="YYYY-MM", help="purchase month")
    add.add_argument("--device", metavar="NAME", help="a protected device (also a session)")
    add.add_argument("--postcode", metavar="CODE", help="billing postal code")
    lst = command(acc, "list", cmd_accounts_list, "list accounts")
    lst.add_argument("--json", action="store_true", help="print JSON")
    show = command(acc, "show", cmd_accounts_show, "show one account")
    show.add_argument("email", type=email_argument)
    show.add_argument("--json", action="store_true", help="print JSON")
    outbox = groups.add_parser("outbox", help="emails held by the built-in outbox")
    out = outbox.add_subparsers(dest="command", metavar="COMMAND", required=True)
    olist = command(out, "list", cmd_outbox_list, "list emails, oldest first")
    olist.add_argument("--json", action="store_true", help="print JSON (bodies included)")
    olist.add_argument("--to", type=email_argument, help="only emails to this address")
    olist.add_argument("--body", action="store_true", help="print each body too")
    audit = groups.add_parser("audit", help="the audit log of recovery events")
    aud = audit.add_subparsers(dest="command", metavar="COMMAND", required=True)
    alist = command(aud, "list", cmd_audit_list, "list audit entries, oldest first")
    alist.add_argument("--json", action="store_true", help="print JSON")
