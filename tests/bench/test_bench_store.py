"""The store creates its folder and refuses what it cannot open."""

import pytest

from causalkit.bench import Store, StoreError


def test_store_creates_missing_folders(tmp_path):
    path = tmp_path / "a" / "b" / "results.db"
    with Store(path) as st:
        assert st.path == path
    assert path.exists()
    with Store(path, create=False):
        pass


def test_store_that_cannot_be_opened_is_a_clear_error(tmp_path):
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError, match="dir.db"):
        Store(tmp_path / "dir.db")
