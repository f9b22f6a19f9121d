"""A benchmark's scratch folder goes when the script ends: a 1M-row loader run left close
to 1 GB behind in the system's temporary folder each time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_scratch_folder_and_its_files_are_removed_when_the_script_exits() -> None:
    script = (
        "from bench._common import scratch_dir\n"
        "p = scratch_dir()\n"
        "(p / 'loader.db').write_bytes(b'x' * 1024)\n"
        "print(p)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    path = Path(out.stdout.strip())
    assert path.name.startswith("alliancegraph-bench-")
    assert not path.exists()
