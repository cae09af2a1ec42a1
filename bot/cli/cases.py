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
from bot.domain.live_chat import NotLiveError, NotYourCaseError
from bot.domain.model import (
    AGENT_ROLES,
    CASE_STATUSES,
    Case,
    CaseConflictError,
    CaseNotFoundError,
)
from bot.domain.ports import ConversationUnavailableError


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


def _acting_agent(container: Container, args: argparse.Namespace, case: Case) -> str | None:
    """Who acts: --agent (an agent of the inbox), else the agent holding the case."""
    if args.agent:
        if not container.agents.exists(args.agent):
            print(f"error: no active agent {args.agent} (see `agents list`)", file=sys.stderr)
            return None
        return args.agent.strip().lower()
    if case.claimed_by:
        return case.claimed_by
    print(f"error: case {case.id} is not claimed: give --agent EMAIL to claim it",
          file=sys.stderr)  # fmt: skip
    return None


def _live_command(container: Container, args: argparse.Namespace, verb: str) -> int:
    """reply / release / resolve one case as an agent; errors as one line, exit code 1."""
    try:
        case = container.cases.get(args.id)
    except CaseNotFoundError:
        print(f"error: no case {args.id}", file=sys.stderr)
        return 1
    agent = _acting_agent(container, args, case)
    if agent is None:
        return 1
    live = container.live_chat
    try:
        if verb == "reply":
            case = live.reply(case.id, agent, args.text) if case.status == "claimed" else \
                _claim_and_reply(container, case.id, agent, args.text)  # fmt: skip
            print(f"case {case.id}: reply sent to the customer's chat as {agent}")
        elif verb == "release":
            case = live.release(case.id, agent)
            print(f"case {case.id}: handed back to the assistant")
        else:
            case = live.resolve(case.id, agent, args.note)
            print(f"case {case.id}: resolved")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except NotYourCaseError:
        print(f"error: case {case.id} is held by {case.claimed_by or 'nobody'}", file=sys.stderr)
        return 1
    except NotLiveError as exc:
        contact = f" ({case.contact_email})" if case.contact_email else ""
        print(f"error: {exc}{contact}", file=sys.stderr)
        return 1
    except CaseConflictError:
        print(f"error: case {case.id} is resolved", file=sys.stderr)
        return 1
    except ConversationUnavailableError as exc:
        print(f"error: the assistant could not be reached ({exc}); is it running? "
              "(SIGNIN_RASA_URL, RASA_API_TOKEN)", file=sys.stderr)  # fmt: skip
        return 1
    return 0


def _claim_and_reply(container: Container, case_id: int, agent: str, text: str) -> Case:
    container.live_chat.take_over(case_id, agent)
    return container.live_chat.reply(case_id, agent, text)


def cmd_cases_reply(container: Container, args: argparse.Namespace) -> int:
    return _live_command(container, args, "reply")


def cmd_cases_release(container: Container, args: argparse.Namespace) -> int:
    return _live_command(container, args, "release")


def cmd_cases_resolve(container: Container, args: argparse.Namespace) -> int:
    return _live_command(container, args, "resolve")


def cmd_agents_list(container: Container, args: argparse.Namespace) -> int:
    agents = container.agents.list_agents()
    if args.json:
        print_json([asdict(agent) for agent in agents])
        return 0
    if not agents:
        print("no agents; add one with `agents add EMAIL`")
        return 0
    rows = [[a.email, a.display_name, a.role, "disabled" if a.disabled else "active",
             str(a.sessions), f"{a.created_at:%Y-%m-%d}"] for a in agents]  # fmt: skip
    print(table(rows, ["email", "name", "role", "state", "sessions", "added"]))
    return 0


def cmd_agents_disable(container: Container, args: argparse.Namespace) -> int:
    from bot.adapters.sql.agent_store import UnknownAgentError

    try:
        ended = container.agents.disable(args.email)
    except UnknownAgentError:
        print(f"error: no agent {args.email}", file=sys.stderr)
        return 1
    container.audit.record("agent_disable", "ok", actor=args.email)
    print(f"agent {args.email} disabled; {ended} session(s) ended")
    return 0


def cmd_agents_reset_password(container: Container, args: argparse.Namespace) -> int:
    from bot.adapters.sql.agent_store import UnknownAgentError

    password = _read_new_password(args)
    if password is None:
        return 1
    try:
        ended = container.agents.set_password(args.email, password)
    except UnknownAgentError:
        print(f"error: no agent {args.email}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    container.audit.record("agent_password_reset", "ok", actor=args.email)
    print(f"agent {args.email}: new password set; {ended} session(s) ended")
    return 0


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
    from bot.adapters.sql.agent_store import AgentExistsError

    password = _read_new_password(args)
    if password is None:
        return 1
    try:
        container.agents.add(args.email, password, args.name, args.role)
    except AgentExistsError:
        print(f"error: an agent {args.email} already exists", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    kind = "analyst (read-only)" if args.role == "analyst" else "agent"
    print(f"{kind} {args.email} added; sign in at /inbox/login")
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
    creply = command(cas, "reply", cmd_cases_reply,
                     "send a reply to the customer's web chat (claims an open case)")  # fmt: skip
    creply.add_argument("id", type=positive_int)
    creply.add_argument("--text", required=True, help="the reply (shown with the agent's name)")
    creply.add_argument("--agent", type=email_argument, help="act as this agent (default: the "
                        "agent holding the case; needed to claim an open one)")  # fmt: skip
    crelease = command(cas, "release", cmd_cases_release, "hand the chat back to the assistant")
    crelease.add_argument("id", type=positive_int)
    crelease.add_argument("--agent", type=email_argument, help="act as this agent")
    cresolve = command(cas, "resolve", cmd_cases_resolve, "close a case with a note")
    cresolve.add_argument("id", type=positive_int)
    cresolve.add_argument("--note", default="Resolved from the command line.",
                          help="what was done")  # fmt: skip
    cresolve.add_argument("--agent", type=email_argument, help="act as this agent")
    agents = groups.add_parser("agents", help="people who work the agent inbox")
    agt = agents.add_subparsers(dest="command", metavar="COMMAND", required=True)
    aadd = command(agt, "add", cmd_agents_add, "add an inbox agent (asks for the password)")
    aadd.add_argument("email", type=email_argument)
    aadd.add_argument("--name", default="", help="the name customers see in the chat "
                      "(default: from the email)")  # fmt: skip
    aadd.add_argument("--role", choices=AGENT_ROLES, default="agent",
                      help="analyst: reads the inbox and conversations only")  # fmt: skip
    aadd.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (for scripts)",
    )
    alist = command(agt, "list", cmd_agents_list, "list agents with their state and sessions")
    alist.add_argument("--json", action="store_true", help="print JSON")
    adis = command(agt, "disable", cmd_agents_disable,
                   "stop an agent signing in and end their sessions")  # fmt: skip
    adis.add_argument("email", type=email_argument)
    areset = command(agt, "reset-password", cmd_agents_reset_password,
                     "set a new password (asks for it) and end the agent's sessions")  # fmt: skip
    areset.add_argument("email", type=email_argument)
    areset.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input (for scripts)")  # fmt: skip
