"""`import causalkit` must stay light: optional heavy dependencies load lazily."""

import subprocess
import sys


def test_import_does_not_load_heavy_dependencies():
    code = (
        "import sys, causalkit\n"
        "heavy = [m for m in ('torch', 'dask', 'distributed', 'matplotlib', 'causallearn') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import causalkit loaded: {out.stdout.strip()}"


def test_lazy_attributes_resolve():
    import causalkit

    assert callable(causalkit.discover)
    assert "PC" in dir(causalkit)
