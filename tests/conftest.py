import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def encoder_dir(tmp_path_factory):
    """The embedded encoder converted into a per-session cache (the real conversion path)."""
    from eventx.encoder import ensure_converted
    cache = os.environ.get("EVENTX_CACHE") or str(tmp_path_factory.mktemp("cache"))
    os.environ["EVENTX_CACHE"] = cache
    return ensure_converted()


def shipped_model_available() -> bool:
    try:
        from eventx.tag import default_model_dir
        default_model_dir()
        return True
    except Exception:
        return False
