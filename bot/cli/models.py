"""`models`: the releases under models/ (list, show, promote, rollback, train, path)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.bootstrap import Container
from bot.cli.common import command, print_json, table


def _store() -> Any:
    from bot.modelops.releases import ReleaseStore

    return ReleaseStore()


def _headline(card: Any) -> str:
    heldout = card.metrics.get("heldout", {})
    stories = card.metrics.get("stories", {})
    parts = []
    if "macro_f1" in heldout:
        parts.append(f"macro-F1 {heldout['macro_f1']:.3f}")
    if "live_heldout" in card.metrics:
        parts.append(f"live {card.metrics['live_heldout'].get('macro_f1', 0):.3f}")
    if "story_success" in stories:
        parts.append(f"stories {stories['story_success']:.0%}")
    return ", ".join(parts) or "not evaluated"


def cmd_list(container: Container | None, args: argparse.Namespace) -> int:
    store = _store()
    current = store.current_id()
    rows = []
    for kind, cards in (("release", store.list_releases()), ("candidate", store.list_candidates())):
        for card in cards:
            gate = card.gate.get("accepted")
            state = (
                "current"
                if card.id == current
                else (kind if gate is None else f"{kind} ({'accepted' if gate else 'rejected'})")
            )
            rows.append((card, state))
    if args.json:
        print_json([{"state": state, **card.__dict__} for card, state in rows])
        return 0
    if not rows:
        print("no models yet: make train")
        return 0
    print(table([[c.id, state, c.trained_at, _headline(c)] for c, state in rows],
                ["id", "state", "trained", "metrics"]))  # fmt: skip
    return 0


def cmd_show(container: Container | None, args: argparse.Namespace) -> int:
    from bot.modelops.releases import ReleaseError

    store = _store()
    try:
        card, archive = store.find(args.id) if args.id else (store.current() or (None, None))
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if card is None:
        print("error: no current release (make train)", file=sys.stderr)
        return 1
    if args.json:
        print_json({"archive": str(archive), "current": card.id == store.current_id(),
                    **card.__dict__})  # fmt: skip
        return 0
    print(f"release     {card.id}{'  (current)' if card.id == store.current_id() else ''}")
    print(f"archive     {archive}")
    print(
        f"trained     {card.trained_at} by {card.trained_by}"
        + (f" in {card.training_seconds:.0f} s" if card.training_seconds else "")
    )
    print(f"data hash   {card.data_hash}")
    print(f"model id    {card.model_id or '-'}")
    for group, values in card.metrics.items():
        shown = ", ".join(f"{k} {v:.3f}" if k != "n" else f"n {int(v)}" for k, v in values.items())
        print(f"{group:<11} {shown}")
    if card.gate:
        verdict = "accepted" if card.gate.get("accepted") else "rejected"
        print(f"gate        {verdict} at {card.gate.get('at')} (against "
              f"{card.gate.get('compared_with') or 'the absolute bar'})")  # fmt: skip
        for reason in card.gate.get("reasons", []):
            print(f"  - {reason}")
    return 0


def _report_served(store: Any, release: str) -> None:
    """Wait for a running assistant (if any) to serve `release`, and say so."""
    from bot.modelops.retrain import wait_until_served

    served = wait_until_served(store, release, timeout=90)
    if served is None:
        print("no running assistant found; `make run` serves it")
    elif served:
        print("the running assistant now serves it (no restart)")
    else:
        print("warning: the running assistant has not loaded it yet", file=sys.stderr)


def cmd_promote(container: Container | None, args: argparse.Namespace) -> int:
    from bot.modelops.releases import ReleaseError

    store = _store()
    try:
        card, _archive = store.find(args.id)
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if card.gate.get("accepted") is not True and not args.force:
        state = "rejected by" if card.gate else "not checked by"
        print(f"error: {card.id} was {state} the gate; `make retrain` checks it, or "
              "--force to serve it anyway", file=sys.stderr)  # fmt: skip
        return 1
    store.promote(card.id, args.reason or ("forced" if args.force else "promoted by hand"))
    print(f"release {card.id} is now current")
    _report_served(store, card.id)
    return 0


def cmd_rollback(container: Container | None, args: argparse.Namespace) -> int:
    from bot.modelops.releases import ReleaseError

    store = _store()
    before = store.current_id()
    try:
        card = store.rollback()
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"rolled back from {before} to {card.id}")
    _report_served(store, card.id)
    return 0


def cmd_train(container: Container | None, args: argparse.Namespace) -> int:
    from bot.modelops.training import ensure_model

    return ensure_model(_store(), args.min_macro_f1)


def cmd_path(container: Container | None, args: argparse.Namespace) -> int:
    """The archive built from the current data (what `make test` checks)."""
    store = _store()
    if args.current:
        found = store.current()
    else:
        from bot.modelops.data_hash import data_hash

        found = store.for_data(data_hash())
    if found is None:
        print("error: no model built from this data: make train", file=sys.stderr)
        return 1
    print(found[1])
    return 0


def register(groups: Any) -> None:
    """Add this module's command group to the parser."""
    models = groups.add_parser("models", help="model releases: list, show, promote, rollback")
    m = models.add_subparsers(dest="command", metavar="COMMAND", required=True)
    lst = command(m, "list", cmd_list, "releases and candidates, oldest first",
                  needs_container=False)  # fmt: skip
    lst.add_argument("--json", action="store_true")
    show = command(m, "show", cmd_show, "one release's card (default: the current one)",
                   needs_container=False)  # fmt: skip
    show.add_argument("id", nargs="?", default=None, help="release id or a unique prefix")
    show.add_argument("--json", action="store_true")
    promote = command(m, "promote", cmd_promote,
                      "serve an accepted candidate or an earlier release",
                      needs_container=False)  # fmt: skip
    promote.add_argument("id", help="release id or a unique prefix")
    promote.add_argument("--reason", default="")
    promote.add_argument("--force", action="store_true",
                         help="serve a model the gate rejected or never checked")  # fmt: skip
    command(m, "rollback", cmd_rollback, "serve the release that was current before",
            needs_container=False)  # fmt: skip
    train = command(m, "train", cmd_train,
                    "train a candidate when the data changed (make train); the first model "
                    "of a clone becomes a release through the absolute gate",
                    needs_container=False)  # fmt: skip
    train.add_argument("--min-macro-f1", type=float, default=0.85)
    path = command(m, "path", cmd_path, "print the archive built from the current data",
                   needs_container=False)  # fmt: skip
    path.add_argument("--current", action="store_true", help="the current release instead")
