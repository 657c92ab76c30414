"""Run actions shared by the runs and run screens: label, tag, comment,
stop, delete, restore. Each asks what it needs in a dialog, calls the core,
and tells the user what happened."""

from __future__ import annotations

from textual.screen import Screen

from gage_tui.app.screens.dialogs import Confirm, TextPrompt

__all__ = [
    "prompt_label",
    "prompt_tags",
    "prompt_comment",
    "confirm_stop",
    "confirm_delete",
    "restore",
]


def _names(runs: list) -> str:
    shown = ", ".join(r.name for r in runs[:5])
    return shown + (f" and {len(runs) - 5} more" if len(runs) > 5 else "")


def _nothing(screen: Screen, runs: list) -> bool:
    if not runs:
        screen.notify("No run selected.", severity="warning")
        return True
    return False


def _only(screen: Screen, runs: list, keep, why_none: str) -> list:
    """The runs ``keep`` accepts; a warning saying ``why_none`` if none."""
    if _nothing(screen, runs):
        return []
    kept = [r for r in runs if keep(r)]
    if not kept:
        screen.notify(why_none, severity="warning")
    return kept


def _apply(screen: Screen, runs: list, fn, done: str) -> None:
    from gage_core.errors import GageError

    try:
        for run in runs:
            fn(run)
    except GageError as e:
        screen.notify(e.message, severity="error", timeout=6)
    else:
        screen.notify(done)
    screen.app.refresh_runs([r.id for r in runs])


def prompt_label(screen: Screen, runs: list) -> None:
    from gage_core.store import annotate

    if _nothing(screen, runs):
        return
    current = runs[0].label or "" if len(runs) == 1 else ""

    def done(text: str | None) -> None:
        if text is None:
            return
        text = text.strip()
        if text:
            _apply(screen, runs, lambda r: annotate.set_label(r, text), f"Labelled {_names(runs)}")
        else:
            _apply(screen, runs, annotate.clear_label, f"Cleared label of {_names(runs)}")

    screen.app.push_screen(
        TextPrompt(f"Label for {_names(runs)}", current, "An empty label clears it."), done
    )


def prompt_tags(screen: Screen, runs: list) -> None:
    from gage_core.store import annotate

    if _nothing(screen, runs):
        return
    # Tags as on disk now (the listing may predate a change made elsewhere).
    current = " ".join(annotate.get_tags(runs[0])) if len(runs) == 1 else ""

    def done(text: str | None) -> None:
        if text is None:
            return
        words = text.split()
        add = [w.lstrip("+") for w in words if not w.startswith("-") and w.lstrip("+")]
        remove = [w[1:] for w in words if w.startswith("-") and len(w) > 1]
        if len(runs) == 1 and not any(w[0] in "+-" for w in words):
            # Plain words for one run: the field is its whole new set of
            # tags. With +tag/-tag words it is a list of changes instead.
            remove += [t for t in annotate.get_tags(runs[0]) if t not in add]

        def apply(run) -> None:
            if remove:
                annotate.remove_tags(run, remove)
            if add:
                annotate.add_tags(run, add)

        _apply(screen, runs, apply, f"Tags updated for {_names(runs)}")

    screen.app.push_screen(
        TextPrompt(
            f"Tags for {_names(runs)}",
            current,
            "The run's tags, space-separated: edit the list. Or type +tag / -tag to add or remove tags.",
        ),
        done,
    )


def prompt_comment(screen: Screen, runs: list) -> None:
    from gage_core.store import annotate

    if _nothing(screen, runs):
        return

    def done(text: str | None) -> None:
        if text and text.strip():
            _apply(
                screen,
                runs,
                lambda r: annotate.add_comment(r, text.strip()),
                f"Comment added to {_names(runs)}",
            )

    screen.app.push_screen(TextPrompt(f"Comment on {_names(runs)}"), done)


def confirm_stop(screen: Screen, runs: list) -> None:
    running = _only(
        screen, runs, lambda r: r.status in ("running", "detached"), "None of the selected runs is running."
    )
    if not running:
        return

    def done(yes: bool | None) -> None:
        if yes:
            _stop_in_thread(screen, running)
            screen.notify(f"Stopping {_names(running)}…")

    screen.app.push_screen(
        Confirm(f"Stop {_names(running)}?", "SIGTERM, then SIGKILL after a grace period.", "Stop", True),
        done,
    )


def _stop_in_thread(screen: Screen, runs: list) -> None:
    from gage_core.process.stop import stop_run

    def work() -> None:
        for run in runs:
            try:
                stop_run(run)
            except Exception as e:  # report, keep stopping the others
                screen.app.call_from_thread(screen.notify, f"{run.name}: {e}", severity="error")
        screen.app.call_from_thread(screen.app.refresh_runs, [r.id for r in runs])

    screen.app.run_worker(work, thread=True, group="stop-runs", exit_on_error=False)


def confirm_delete(screen: Screen, runs: list, marked: set) -> None:
    from gage_core.store import trash

    if _nothing(screen, runs):
        return
    running = [r for r in runs if r.status == "running"]
    if running:
        screen.notify(f"Stop {_names(running)} first: running runs are not deleted.", severity="error")
        return

    def done(yes: bool | None) -> None:
        if yes:
            marked.difference_update(r.id for r in runs)
            _apply(screen, runs, trash.delete_run, f"Moved {_names(runs)} to the trash (z shows it)")

    screen.app.push_screen(
        Confirm(f"Delete {_names(runs)}?", "Runs go to the trash; restore them with u in the trash view (z).", "Delete", True),
        done,
    )


def restore(screen: Screen, runs: list, marked: set) -> None:
    from gage_core.store import trash

    deleted = _only(
        screen, runs, lambda r: r.container == "trash", "Only deleted runs can be restored: press z for the trash."
    )
    if not deleted:
        return
    marked.difference_update(r.id for r in deleted)
    _apply(screen, deleted, trash.restore_run, f"Restored {_names(deleted)}")
