"""eventx: conflict events from Arabic, Persian and English news as ACLED-style records.

    import eventx
    records = eventx.extract(text, published="2020-01-25")
    for r in records:
        print(r.to_acled_row())
"""
from eventx.pipeline import Extractor, extract
from eventx.read import Document
from eventx.schema import EventRecord, Evidence

__all__ = ["extract", "Extractor", "EventRecord", "Evidence", "Document"]
__version__ = "0.1.0"
