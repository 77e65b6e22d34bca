"""The review path must stay light: numpy, numba and genanki are imported only where used."""

import json
import subprocess
import sys

HEAVY = ("numpy", "numba", "genanki", "anki", "torch")

SCRIPT = """
import io, json, sys
from pathlib import Path
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from recall.cli import main
from recall.env import Env

with create_pipe_input() as pipe:
    pipe.send_text(" 3\\x03")
    env = Env(stdout=io.StringIO(), terminal_input=pipe, terminal_output=DummyOutput(), shipped_decks=Path(sys.argv[1]))
    assert main(["review"], env) == 0, env.stdout.getvalue()
    assert "Answered 1" in env.stdout.getvalue()  # it really showed and answered a card
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in %r)))
""" % (HEAVY,)


def test_review_imports_nothing_heavy(tmp_path, deckdir, db_url):
    from conftest import SMALL_DECK

    deckdir.write("01-computer-architecture/01-binary-and-bits.yaml", SMALL_DECK)
    empty = tmp_path / "none"
    empty.mkdir()
    env = {"RECALL_DB": db_url, "RECALL_DECKS": str(deckdir.root), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(empty)], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
