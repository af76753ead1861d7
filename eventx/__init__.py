"""eventx: conflict events from Arabic, Persian and English news as ACLED-style records.

    import eventx
    records = eventx.extract(text, published="2020-01-25")
    for r in records:
        print(r.to_acled_row())
"""
import os as _os

# eventx never downloads: keep the Hugging Face libraries offline before any of them is imported
# (an explicit setting by the user is respected)
_os.environ.setdefault("HF_HUB_OFFLINE", "1")
_os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from eventx.pipeline import Extractor, extract, merge_across  # noqa: E402
from eventx.read import Document  # noqa: E402
from eventx.schema import EventRecord, Evidence  # noqa: E402

__all__ = ["extract", "Extractor", "merge_across", "EventRecord", "Evidence", "Document"]
__version__ = "0.1.0"
