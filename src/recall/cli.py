"""The command line: parse arguments, call one library function, print, return an exit code.

Our own errors (RecallError) become one line on stderr and exit status 1; nothing else
is caught, so a bug still shows its traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from recall import curriculum
from recall.collection import Collection, Settings
from recall.env import Env
from recall.errors import RecallError
from recall.grading import show_value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: an option given before the command must survive the subcommand's defaults.
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL (default: SQLite in your user data directory; env RECALL_DB)")
    common.add_argument("--decks", metavar="DIR", action="append", default=argparse.SUPPRESS,
                        help="extra deck directory, laid out as <module-id>/<submodule>.yaml "
                             "(repeatable; env RECALL_DECKS, separated by ':')")
    common.add_argument("--exercises", metavar="DIR", action="append", default=argparse.SUPPRESS,
                        help="extra exercise directory, <module-id>/<name>.yaml with programs in ../native/ "
                             "(repeatable; env RECALL_EXERCISES)")
    common.add_argument("--trust", metavar="DIR", action="append", default=argparse.SUPPRESS,
                        help="let the programs of this exercise directory run (repeatable; env RECALL_TRUST)")

    parser = argparse.ArgumentParser(
        prog="recall", parents=[common],
        description="Spaced repetition for the ML-systems curriculum. Without a command: what is due tonight.",
        epilog="Settings by environment: RECALL_DB, RECALL_DECKS, RECALL_TZ, RECALL_ROLLOVER (hour the day "
               "starts, default 4), RECALL_RETENTION (default 0.9), RECALL_NEW_PER_DAY (default 10).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("review", parents=[common], help="the evening review",
                       description="Tonight's review set, chosen by FSRS within a time budget.")
    p.add_argument("--minutes", type=_minutes, default=20, help="time budget in minutes (default 20)")
    p.add_argument("--new", type=_non_negative_int, default=None, metavar="N",
                   help="new cards a day (default 10; env RECALL_NEW_PER_DAY)")
    p.add_argument("--plan", action="store_true", help="print tonight's set and why, without studying")
    p.add_argument("--json", action="store_true", help="with --plan: print JSON")

    p = sub.add_parser("quiz", parents=[common], help="quiz one module",
                       description="Quiz one module's cards in learning order, shuffled within each submodule.")
    p.add_argument("module", help="module: 13, 13-triton, triton or 13-triton-programming")
    p.add_argument("--limit", type=_positive_int, default=None, metavar="N", help="at most N cards")
    p.add_argument("--due", action="store_true", help="only cards that are due")
    p.add_argument("--no-schedule", action="store_true", help="log the answers but leave the schedule as it is")

    p = sub.add_parser("check", parents=[common], help="validate decks",
                       description="Validate deck files; print every problem as file:line:column. Writes nothing.")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="deck directories, module folders or files (default: all decks in use)")

    p = sub.add_parser("progress", parents=[common], help="progress through the Master Learning Order",
                       description="Show the Master Learning Order with checkboxes and cards learned, "
                                   "or tick a checkbox.")
    psub = p.add_subparsers(dest="progress_command", metavar="ACTION")
    m = psub.add_parser("mark", parents=[common], help="tick a checkbox",
                        description="Tick one of the seed's checkboxes for a module (or 'read' for a submodule).")
    m.add_argument("target", metavar="MODULE[/SUBMODULE]", help="e.g. 01, 01/02, 13-triton")
    m.add_argument("kind", choices=curriculum.CHECKBOX_KEYS,
                   help="read (theory), examples, exercises, ml (connected to an ML use case)")
    m.add_argument("--undo", action="store_true", help="untick instead")

    p = sub.add_parser("exercise", parents=[common], help="predict-then-measure exercises",
                       description="Predict a number about your machine, then measure it.")
    xsub = p.add_subparsers(dest="exercise_command", metavar="ACTION", required=True)
    x = xsub.add_parser("list", parents=[common], help="list exercises and whether they can run here",
                        description="List exercises, what each needs, and whether it can run on this machine.")
    x.add_argument("module", nargs="?", help="only this module, e.g. 01 or memory")
    x.add_argument("--json", action="store_true", help="print JSON")
    x = xsub.add_parser("show", parents=[common], help="show an exercise's question and code",
                        description="Show an exercise's question and the program that measures it.")
    x.add_argument("id", help="exercise id, e.g. ex.ca.stride-miss-ratio")
    x = xsub.add_parser("run", parents=[common], help="predict, measure, reveal, rate",
                        description="Predict, measure, see the explanation and rate. With --predict, no prompt: "
                                    "the suggested rating is recorded and the result printed.")
    x.add_argument("id", help="exercise id")
    x.add_argument("--predict", metavar="VALUE", help="your prediction, in the exercise's unit (percent for "
                                                        "fractions)")
    x.add_argument("--interval", nargs=2, metavar=("LO", "HI"), help="your 90%% interval (with --predict)")
    x.add_argument("--json", action="store_true", help="with --predict: print JSON")
    x.add_argument("--remeasure", action="store_true", help="measure again instead of reusing this machine's "
                                                           "last measurement")
    p = sub.add_parser("calibration", parents=[common], help="how far your predictions have been",
                       description="Per module: how far your predictions have been from the measurements, over "
                                   "time, and how often the measurement fell in your 90% interval.")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("export", parents=[common], help="export decks to other tools",
                       description="Export decks to other tools.")
    esub = p.add_subparsers(dest="export_format", metavar="FORMAT", required=True)
    a = esub.add_parser(
        "anki", parents=[common], help="an .apkg for Anki",
        description="Write the decks (all, or the modules named) as an Anki package. Re-exporting after "
                    "editing cards updates the notes in Anki instead of duplicating them.",
        epilog="--with-history carries each card's review log and FSRS memory state (stability, difficulty) "
               "and needs the anki package (pip install 'recall[anki]'). Anki attaches history only to notes "
               "the importing collection does not have yet: import it into a profile without these cards.")
    a.add_argument("modules", nargs="*", metavar="MODULE", help="modules to export, e.g. 01 13-triton (default: all)")
    a.add_argument("-o", "--output", type=Path, default=Path("ml-systems.apkg"),
                   help="file to write (default: ml-systems.apkg)")
    a.add_argument("--with-history", action="store_true", help="include review history and FSRS memory state")

    p = sub.add_parser("suspended", parents=[common], help="list suspended cards, or bring them back",
                       description="List the cards suspended with `s` during a session; with --undo ID..., let "
                                   "them come back into reviews and quizzes.")
    p.add_argument("--undo", nargs="+", metavar="ID", help="card or review item ids to unsuspend")

    p = sub.add_parser("rebuild", parents=[common], help="rebuild scheduling state from the review log",
                       description="Recompute every item's FSRS state by replaying the review log, "
                                   "and report what differed. The log itself is never changed.")
    return parser


def main(argv: list[str] | None = None, env: Env | None = None) -> int:
    env = env or Env.from_os()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _validate(args)
        return _dispatch(args, env)
    except RecallError as e:
        print(f"recall: {e}", file=env.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("recall: interrupted; every answer given is saved", file=env.stderr)
        return 130
    except BrokenPipeError:  # `recall review --plan | head`: the reader left, nothing is wrong
        return 0
    except DBAPIError as e:  # a database that stopped answering or refuses writes mid-way
        first = str(e.orig).strip().splitlines()[0] if e.orig else type(e).__name__
        print(f"recall: the database failed: {first}; nothing after the last saved answer was written",
              file=env.stderr)
        return 1


def _validate(args: argparse.Namespace) -> None:
    """Check what can be checked before the database is opened, so bad input writes nothing."""
    if args.command == "quiz":
        curriculum.resolve(args.module)
    elif args.command == "progress" and args.progress_command == "mark":
        module = curriculum.resolve(args.target.partition("/")[0])
        if module.submodules:  # 09–18 take their submodules from the decks: checked once they are read
            curriculum.resolve_with_submodule(args.target)
    elif args.command == "export":
        for m in args.modules:
            curriculum.resolve(m)
    elif args.command == "review" and args.json and not args.plan:
        raise RecallError("--json goes with --plan")
    elif args.command == "exercise" and args.exercise_command == "list" and args.module:
        curriculum.resolve(args.module)


def _dispatch(args: argparse.Namespace, env: Env) -> int:
    if args.command == "check":
        return cmd_check(args, env)
    settings = Settings.from_env(env, db=getattr(args, "db", None), decks=getattr(args, "decks", []),
                                 exercises=getattr(args, "exercises", []), trust=getattr(args, "trust", []))
    col = Collection.open(env, settings)
    try:
        return COMMANDS[args.command](col, env, args)
    finally:
        col.close()


def cmd_check(args: argparse.Namespace, env: Env) -> int:
    from recall import decks

    settings = Settings.from_env(env, decks=getattr(args, "decks", []), exercises=getattr(args, "exercises", []))
    deck_roots = [env.shipped_decks] + settings.deck_dirs
    exercise_roots = [r for r in [env.shipped_exercises] + settings.exercise_dirs if r.is_dir()]
    known = None
    if args.paths:
        files = decks.files_for_paths(args.paths)
        # Exercises checked alone still name cards from the decks in use.
        known = {c.id for c in decks.check(decks.find_deck_files(deck_roots))[0]}
    else:
        files = decks.find_deck_files(deck_roots) + decks.find_deck_files(exercise_roots)
    cards, problems = decks.check(files, exercise_roots, known)
    for p in problems:
        env.print(p.render())
    if problems:
        env.print(f"{len(problems)} problem(s) in {len({p.path for p in problems})} file(s)")
        return 1
    n_ex = sum(1 for c in cards if c.type == "exercise")
    items = sum(len(c.item_ids()) for c in cards if c.type != "exercise")
    env.print(f"ok: {len(cards) - n_ex} cards ({items} review items) and {n_ex} exercises in {len(files)} file(s)")
    return 0


def cmd_status(col: Collection, env: Env, args: argparse.Namespace) -> int:
    plan = col.evening_plan()
    counts = {k: sum(1 for e in plan.entries if e.kind == k) for k in ("learning", "review", "new")}
    env.print(f"Tonight: {len(plan.entries)} items (~{plan.seconds / 60:.0f} min): "
              f"{counts['review']} reviews, {counts['learning']} learning, {counts['new']} new.")
    nxt = col.next_to_study()
    if nxt:
        env.print(f"Study next: {nxt}   (then `recall progress mark {nxt} read`)")
    env.print("Start with `recall review`; `recall --help` lists every command.")
    return 0


def cmd_review(col: Collection, env: Env, args: argparse.Namespace) -> int:
    plan = col.evening_plan(minutes=args.minutes, new_per_day=args.new)
    if args.plan:
        if args.json:
            env.print(json.dumps(plan.to_json(), indent=2))
        else:
            _print_plan(plan, env)
        return 0
    if not plan.entries:
        env.print("Nothing due tonight. `recall quiz MODULE` drills a module anyway.")
        return 0
    return _study(col, env, plan.entries, mode="review", schedule=True, title="Evening review")


def cmd_quiz(col: Collection, env: Env, args: argparse.Namespace) -> int:
    module = curriculum.resolve(args.module)
    entries = col.quiz_entries(module, limit=args.limit, due_only=args.due)
    if not entries:
        env.print(f"Nothing {'due ' if args.due else ''}in {module.id}.")
        return 0
    return _study(col, env, entries, mode="quiz", schedule=not args.no_schedule,
                  title=f"Quiz {module.short}")


def _study(col: Collection, env: Env, entries, *, mode: str, schedule: bool, title: str,
           remeasure: bool = False) -> int:
    if env.terminal_input is None and not sys.stdin.isatty():
        hint = "`recall exercise run ID --predict VALUE` works without one" if mode == "exercise" else \
            "`recall review --plan` prints tonight's set instead"
        raise RecallError(f"recall {mode} needs a terminal; {hint}")
    from recall import ui

    session = col.session(entries, mode=mode, schedule=schedule, remeasure=remeasure)
    ui.run(session, env, title)
    for line in session.summary().lines():
        env.print(line)
    return 0


def cmd_progress(col: Collection, env: Env, args: argparse.Namespace) -> int:
    if args.progress_command == "mark":
        env.print(col.mark(args.target, args.kind, undo=args.undo))
        return 0
    progress = col.progress()
    phase = None
    for module_id, p in progress.items():
        module = p["module"]
        if module.phase != phase:
            phase = module.phase
            env.print(f"\nPhase {phase}: {module.phase_title}")
        boxes = "  ".join(f"[{'x' if p['marks'][k] else ' '}] {label}" for k, label in curriculum.CHECKBOXES)
        env.print(f"  Weeks {module.weeks:<5} {module.id:<32} {p['learned']:>4}/{p['items']:<4} learned")
        env.print(f"        {boxes}")
        for sub, sp in p["submodules"].items():
            env.print(f"        {'[x]' if sp['read'] else '[ ]'} {sub:<30} {sp['learned']:>4}/{sp['items']:<4}")
    nxt = col.next_to_study(progress)
    if nxt:
        env.print(f"\nNext in the order: {nxt}")
    return 0


def cmd_exercise(col: Collection, env: Env, args: argparse.Namespace) -> int:
    from recall import practice

    if args.exercise_command == "list":
        module = curriculum.resolve(args.module).id if args.module else None
        rows = practice.listing(col, module)
        if args.json:
            env.print(json.dumps(rows, indent=2))
        else:
            for r in rows:
                last = f"last: {show_value(r['last_value'])} {r['unit']}" if r["last_value"] is not None else "not measured"
                gpu = "; measures on this GPU" if r["on_gpu"] else ""
                env.print(f"{'ok ' if r['can_run'] else 'NO '} {r['id']:<34} {r['module']}/{r['submodule']}  "
                          f"{r['title']}  [{r['needs']}{gpu}; {last}]" + ("" if r["can_run"] else f"  ({r['why_not']})"))
        return 0
    if args.exercise_command == "show":
        env.print(practice.show(col, args.id))
        return 0
    exercise = col.exercise(args.id)
    if args.predict is None:
        if args.interval or args.json:
            raise RecallError("--interval and --json go with --predict")
        from recall.planner import PlanEntry

        entry = PlanEntry(exercise.id, exercise.id, exercise.module, exercise.submodule, "exercise", "asked for", 0)
        return _study(col, env, [entry], mode="exercise", schedule=True, title=f"Exercise {exercise.id}",
                      remeasure=args.remeasure)
    progress = None if args.json else practice.stderr_progress(env)
    try:
        result = practice.run_scripted(col, exercise, args.predict, args.interval, remeasure=args.remeasure,
                                       progress=progress)
    except RecallError:
        if progress is not None:
            print(file=env.stderr)  # end the progress line, so the error stands on its own line
        raise
    env.print(json.dumps(result, indent=2) if args.json else practice.describe_result(result))
    return 0


def cmd_calibration(col: Collection, env: Env, args: argparse.Namespace) -> int:
    from recall import practice

    report = practice.calibration(col)
    if args.json:
        env.print(json.dumps(report, indent=2))
    elif not report:
        env.print("No predictions yet: `recall exercise list` shows what you can measure.")
    else:
        for module, r in report.items():
            env.print(practice.describe_calibration(module, r))
    return 0


def cmd_export(col: Collection, env: Env, args: argparse.Namespace) -> int:
    from recall.export import export_anki

    modules = [curriculum.resolve(m).id for m in args.modules] or None
    report = export_anki(col.store, args.output, now=env.now(), modules=modules, with_history=args.with_history,
                         config=col.config)
    extra = f", {report.reviews} reviews with FSRS state" if report.with_history else ""
    env.print(f"wrote {report.path}: {report.notes} notes in {report.decks} decks{extra}")
    return 0


def cmd_suspended(col: Collection, env: Env, args: argparse.Namespace) -> int:
    if args.undo:
        n = col.store.unsuspend(args.undo)
        if n == 0:
            raise RecallError(f"none of {', '.join(args.undo)} is suspended; `recall suspended` lists them")
        env.print(f"unsuspended {n} item(s)")
        return 0
    ids = col.store.suspended_items()
    env.print("\n".join(ids) if ids else "Nothing is suspended.")
    return 0


def cmd_rebuild(col: Collection, env: Env, args: argparse.Namespace) -> int:
    from recall.rebuild import rebuild

    changed, total = rebuild(col.store, col.config)
    env.print(f"rebuilt {total} items from the review log; {changed} differed and were corrected")
    return 0


# The commands that work on a collection (check does not open one).
COMMANDS = {
    None: cmd_status, "review": cmd_review, "quiz": cmd_quiz, "progress": cmd_progress,
    "exercise": cmd_exercise, "calibration": cmd_calibration, "export": cmd_export,
    "suspended": cmd_suspended, "rebuild": cmd_rebuild,
}


def _print_plan(plan, env: Env) -> None:
    env.print(f"Tonight: {len(plan.entries)} items, ~{plan.seconds / 60:.1f} of {plan.budget_seconds / 60:g} minutes")
    for i, e in enumerate(plan.entries, 1):
        env.print(f"{i:>3}. {e.item_id:<45} {e.module}/{e.submodule}  {e.reason}  (~{e.seconds:.0f}s)")
    if plan.left_out:
        env.print("Not tonight:")
        for iid, why in plan.left_out:
            env.print(f"     {iid:<45} {why}")


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 24 * 60:  # also refuses inf and nan
        raise argparse.ArgumentTypeError("must be more than 0 and at most 1440 (a day)")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


if __name__ == "__main__":
    raise SystemExit(main())
