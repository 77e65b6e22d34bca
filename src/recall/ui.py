"""The terminal UI: a full-screen prompt_toolkit application over a Session.

It holds no study logic: every key calls one Session method, and the screen is redrawn
from the session's state. Tests drive it through prompt_toolkit's pipe input.
"""

from __future__ import annotations

from prompt_toolkit.application import Application
from prompt_toolkit.eventloop import run_in_executor_with_context
from prompt_toolkit.filters import Condition
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.layout import ConditionalContainer, HSplit, Layout, Window
from prompt_toolkit.layout.controls import FormattedTextControl
from prompt_toolkit.styles import Style, merge_styles, style_from_pygments_cls
from prompt_toolkit.widgets import TextArea

from recall import curriculum, render
from recall.env import Env
from recall.errors import RecallError
from recall.scheduling import Rating
from recall.session import Session

HELP = """Keys
  Space / Enter   reveal the answer
  1 2 3 4         rate: Again, Hard, Good, Easy (shown with the next interval)
  u  (Ctrl-Z)     undo the last answer (Ctrl-Z also while typing an answer)
  s               suspend this card: kept out until `recall suspended --undo ID`
  b               bury this card until tomorrow
  ?               show or hide this help
  q  (Ctrl-C)     quit; every answer so far is already saved
Typed, choice and numeric cards: type the answer, then Enter; recall suggests a rating,
and any of 1-4 overrides it. Esc reveals the answer without one."""

STYLE = Style.from_dict({
    "header": "reverse",
    "dim": "#888888",
    "source": "#888888 italic",
    "answer": "bold #5fd75f",
    "wrong": "bold #ff5f5f",
    "choice": "bold",
    "code": "#d7af5f",
    "suggested": "reverse bold",
    "message": "#ff8700",
    "rule": "#444444",
})


def run(session: Session, env: Env, title: str) -> None:
    """Run the session until it ends or the learner quits."""
    state = {"help": False, "message": "", "measuring": None}

    def header():
        cur = session.current
        if cur is None:
            return [("class:header", f" {title} ")]
        module = curriculum.MODULES_BY_ID.get(cur.entry.module)
        where = f"{module.number} {module.title} › {cur.entry.submodule}" if module else cur.entry.submodule
        total = len(session.done) + session.remaining
        return [("class:header", f" {title} │ {where} │ {session.position} of {total} │ "
                                 f"~{session.minutes_left():.0f} min left │ {cur.entry.kind} ")]

    def body():
        if state["help"]:
            return [("", HELP)]
        cur = session.current
        if cur is None:
            return [("class:answer", "Done for tonight.\n\n")] + [("", line + "\n") for line in summary_lines()]
        out = render.front(cur.card, cur.cloze)
        if state["measuring"]:
            out = out + [("class:rule", "\n\n" + "─" * 40 + "\n"), ("class:message", state["measuring"])]
        if cur.revealed:
            out = out + [("class:rule", "\n\n" + "─" * 40 + "\n")]
            if cur.verdict is not None:
                v = cur.verdict
                mark = ("class:answer", "✓ correct") if v.correct else ("class:wrong", "✗ not quite")
                out += [mark, ("", f"  you answered {cur.response!r}"),
                        ("class:dim", f" ({v.detail})" if v.detail else ""), ("", "\n")]
            out += render.measured(cur.card, cur.measurement) if cur.measurement else render.back(cur.card, cur.cloze)
        return out

    def summary_lines() -> list[str]:
        if state.get("summary_for") != len(session.done):  # one query per change, not per frame
            state["summary"], state["summary_for"] = session.summary().lines(), len(session.done)
        return state["summary"]

    def footer():
        cur = session.current
        if cur is None:
            return [("class:dim", "u undo the last answer   q quit")]
        if state["measuring"]:
            return [("class:dim", "The measurement runs on this machine; answers so far are saved.")]
        if cur.needs_response:
            hint = {"choice": "the number of your choice", "exercise": "your prediction"}.get(cur.card.type,
                                                                                             "your answer")
            return [("class:dim", f"Type {hint}, then Enter.   Esc: don't know   Ctrl-Z undo   Ctrl-C quit")]
        if not cur.revealed:
            return [("class:dim", "Space/Enter reveal   u undo   s suspend   b bury   ? keys   q quit")]
        out = []
        intervals = session.intervals()
        suggested = cur.verdict.suggested if cur.verdict else None
        for r in Rating:
            style = "class:suggested" if r == suggested else ""
            out.append((style, f" {int(r)} {r.label}" + (f" {intervals[r]}" if r in intervals else "") + " "))
            out.append(("", "  "))
        out.append(("class:dim", "\nu undo   s suspend   b bury   ? keys   q quit"))
        return out

    answer_box = TextArea(height=1, prompt="> ", multiline=False)
    typing = Condition(lambda: session.current is not None and session.current.needs_response and not state["help"]
                       and not state["measuring"])
    revealed = Condition(lambda: session.current is not None and session.current.revealed)
    body_window = Window(FormattedTextControl(body, focusable=True), wrap_lines=True)

    def accept(buffer) -> bool:
        if session.current.card.type == "exercise":
            measure_in_background(buffer)
            return True
        try:
            session.submit(buffer.text)
            state["message"] = ""
            buffer.text = ""
        except RecallError as e:
            state["message"] = str(e)
        refocus()
        return True  # keep_text handled above

    def measure_in_background(buffer) -> None:
        """Measuring takes seconds: do it off the event loop and show a progress bar meanwhile."""
        text = buffer.text

        def progress(done: int, total: int, what: str) -> None:
            state["measuring"] = f"measuring [{'#' * done}{'.' * (total - done)}] {what}"
            app.invalidate()

        async def task() -> None:
            try:
                await run_in_executor_with_context(lambda: session.submit(text, progress))
                state["message"] = ""
                buffer.text = ""
            except RecallError as e:
                state["message"] = str(e)
            except Exception as e:  # a bug must not kill the session: every answer so far is saved
                state["message"] = f"measuring failed: {type(e).__name__}: {e}"
            finally:
                state["measuring"] = None
                refocus()
                app.invalidate()

        state["measuring"] = "measuring ..."  # before the task starts: a second Enter does nothing
        app.create_background_task(task())

    answer_box.accept_handler = accept

    def refocus():
        # After the last card the app stays open on a summary, so that a slip on the last
        # rating can still be undone; q leaves.
        app.layout.focus(answer_box if typing() else body_window)

    def act(fn):
        try:
            fn()
            state["message"] = ""
        except RecallError as e:
            state["message"] = str(e)
        refocus()

    kb = KeyBindings()
    idle = ~typing & Condition(lambda: not state["measuring"])

    @kb.add("escape", filter=typing, eager=True)
    def _(event):
        event.app.current_buffer.text = ""
        act(session.skip_answer)

    @kb.add(" ", filter=idle & ~revealed)
    @kb.add("enter", filter=idle & ~revealed)
    def _(event):
        act(session.reveal)

    for rating in Rating:
        @kb.add(str(int(rating)), filter=idle & revealed)
        def _(event, rating=rating):
            act(lambda: session.rate(rating))

    @kb.add("u", filter=idle)
    @kb.add("c-z", eager=True, filter=Condition(lambda: not state["measuring"]))  # also while typing
    def _(event):
        answer_box.text = ""
        act(lambda: session.undo() or _raise("nothing to undo in this session"))

    @kb.add("s", filter=idle)
    def _(event):
        act(session.suspend)

    @kb.add("b", filter=idle)
    def _(event):
        act(session.bury)

    @kb.add("?", filter=idle)
    def _(event):
        state["help"] = not state["help"]

    @kb.add("q", filter=idle)
    @kb.add("c-c", eager=True)
    @kb.add("c-d", eager=True)
    def _(event):
        event.app.exit()

    layout = Layout(HSplit([
        Window(FormattedTextControl(header), height=1),
        body_window,
        ConditionalContainer(answer_box, filter=typing),
        Window(FormattedTextControl(lambda: [("class:message", state["message"])]), height=1),
        Window(FormattedTextControl(footer), height=2),
    ]), focused_element=body_window)

    from pygments.styles import get_style_by_name

    style = merge_styles([style_from_pygments_cls(get_style_by_name("monokai")), STYLE])
    app = Application(layout=layout, key_bindings=kb, style=style, full_screen=True,
                      input=env.terminal_input, output=env.terminal_output, mouse_support=False)
    if session.current is None:
        return
    app.layout.focus(answer_box if typing() else body_window)
    app.run()


def _raise(message: str):
    raise RecallError(message)
